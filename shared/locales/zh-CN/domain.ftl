# 领域用语，以及两端都检查的规则（shared/src/i18n.rs `words`、shared/src/validate.rs、
# shared/src/hlc.rs）。键与 en/domain.ftl 一一对应。

## 隐患状态
status-open = 待交办
status-dispatched = 已交办
status-reported-fixed = 整改完成待复查
status-verified = 复查销项
status-closed = 已关闭
status-reopened = 重新打开

## 不合格项的严重程度
severity-critical = 重大
severity-major = 较大
severity-minor = 一般

## 场所类型
kind-street-shop = 沿街商铺
kind-ebike-point = 电动车销售维修点
kind-three-in-one = 三合一场所
kind-metro-station = 地铁站
kind-residential = 居民小区
kind-office-tower = 办公楼
kind-other = 其他

## Venue status
venue-status-active = 在营
venue-status-closed = 已关停
venue-status-moved = 已搬迁

## 检查结果
outcome-pass = 合格
outcome-fail = 不合格
outcome-na = 不适用

## 角色
role-inspector = 巡查员
role-officer = 平安办
role-admin = 管理员

## 隐患来源
source-inspection = 巡查发现
source-citizen-report = 市民报告
source-drill = 演练发现
source-visit = 走访发现

## 时间单位
unit-hours = 小时
unit-minutes = 分钟
unit-seconds = 秒

## 时钟提醒（同步应答、`firecheck status`）
clock-ahead = 本设备的时钟比服务器快约 { $amount } { $unit }；请把日期和时间设为自动获取
clock-behind = 本设备的时钟比服务器慢约 { $amount } { $unit }；请把日期和时间设为自动获取

## 校验：输入哪里不对、怎样改正
invalid-id = { $value } 不是有效的 { $kind }（应为 UUID）
invalid-unknown-value = 未知的{ $what }“{ $value }”；可选值：{ $expected }
invalid-empty = { $field }为空，必须填写
invalid-too-long = { $field }有 { $len } 个字，最多 { $max } 个
invalid-control-characters = { $field }含有控制字符
invalid-too-many = { $what }：给了 { $len } 个，最多 { $max } 个
invalid-duplicate-item = 检查项“{ $code }”出现了不止一次
invalid-entity-mismatch = { $kind } 操作必须指向{ $expected }
invalid-zero-device-seq = device_seq 必须从 1 开始
invalid-timestamp = { $field }（1970 年以来 { $ms } 毫秒）不是合理的时间；请检查设备日期
invalid-in-future = { $field }比现在晚了一天以上；请检查设备的日期和时间
invalid-role-may-not =
    { $role ->
        [inspector] 巡查员
        [officer] 平安办
       *[admin] 管理员
    }角色无权进行 { $kind } 操作
invalid-venue-upsert-empty = 场所变更至少要改一个字段
invalid-inspection-times = 检查的结束时间不能早于开始时间
invalid-campaign-period = 专项活动的结束日期不能早于开始日期
invalid-template-version = 检查表版本从 1 开始

## 上述消息中的字段名
field-venue-name = 场所名称
field-address = 地址
field-street = 街道
field-streets = 街道
field-note = 备注
field-reason = 理由
field-comment = 备注内容
field-items = 检查项
field-item-code = 检查项编号
field-item-note = 检查项备注
field-item-text = 检查项内容
field-evidence = 附件
field-unit = 责任单位
field-units = 参与单位
field-place = 地点
field-organiser = 组织单位
field-scenario = 演练科目
field-went-well = 做得好的方面
field-to-improve = 需改进的方面
field-drill-text = 演练记录文字
field-campaign-name = 专项活动名称
field-kinds = 场所类型
field-goal = 目标
field-template-code = 检查表编号
field-template-name = 检查表名称
field-template-items = 检查表的检查项
field-description = 问题描述
field-time-of = 时间 { $name }
field-role = 角色
field-venue-kind = 场所类型
field-severity = 严重程度
field-hazard-status = 隐患状态
field-hazard-source = 隐患来源
field-a-venue = 场所
field-an-inspection = 检查记录
field-a-hazard = 隐患
field-a-drill = 演练
field-a-campaign = 专项活动
field-a-template = 检查表
field-a-citizen-report = 市民报告

## Added with the other channels (shared/src/validate.rs, intake.rs)
invalid-late-entry = 检查记录最迟可在检查后 7 天内补录（finished_at 比操作时间早了 7 天以上）
invalid-case-with-venue = 带平台案件编号的报告自成一个分区（不属于场所），这样同一案件的每次推送都汇集在一起；请改为把它关联到场所的隐患
invalid-link-target = 报告只能关联到场所、报告、演练或片区的隐患
invalid-visit-partition = 走访记录只能属于居民小区场所或一个具名片区
invalid-visit-area = 对具名片区的走访必须写明其分区所对应的片区
invalid-coordinates = 纬度须在 ±90 度以内，经度须在 ±180 度以内
invalid-coordinates-half = 经纬度要么都给，要么都不给
field-case-number = 案件编号
field-contact-name = 联系人姓名
field-contact-phone = 联系电话
field-channel = 来源渠道
field-reply = 答复内容
field-point = 问题要点
field-area = 片区
field-problem = 问题
field-problems = 问题清单
field-topic = 议题
field-topics = 议题
field-team = 走访人员
field-name = 名称
