# `firecheck --help` 及各子命令的帮助（cli-client/src/lang.rs）。键按命令树命名：cli-about 是
# firecheck 本身，cli-路径 是子命令（cli-hazard-dispatch），cli-路径--参数 是参数
# （cli-hazard-dispatch--due），cli--参数 是全局参数；cli-路径-long 是较长的说明。
# 客户端的测试会检查每个命令和参数都有对应的键。

cli-usage = 用法：
cli-heading-arguments = 参数
cli-heading-options = 选项
cli-heading-commands = 命令
cli-command-placeholder = 命令
cli-help-flag = 显示帮助
cli-version-flag = 显示版本
cli-help-command = 显示本帮助，或指定子命令的帮助
cli-exit-codes =
    退出码：
      0  完成
      1  意外故障（本地存储出错或程序缺陷）
      2  用法错误：无法读懂命令行
      3  未登录或登录已过期：请运行 `firecheck login 用户名`（排队的操作会等待）
      4  无法连接服务器，或不信任其 https 证书：所有记录仍在队列中，稍后再同步
      5  找不到：没有这个场所、隐患、检查表、专项活动、检查记录、演练、报告或走访
      6  输入有误：日期、检查项编号、取值有误，或你的角色无权进行此项变更

cli-about = firecheck：离线记录消防安全检查，有网络时再同步。
cli-about-long =
    firecheck：离线记录消防安全检查，有网络时再同步。

    除 `login` 和 `sync` 外，所有命令都无需网络。
    界面语言：--lang zh|en，否则看 FIRECHECK_LANG，再否则看系统区域设置（LC_ALL、LC_MESSAGES、LANG：zh_* 为中文）。
cli--home = 本设备存放副本的目录（FIRECHECK_HOME）[Linux 默认：$XDG_DATA_HOME/firecheck 或 ~/.local/share/firecheck]
cli--server = 服务器网址，如 http://127.0.0.1:8080 或 https://firecheck.example.org（FIRECHECK_SERVER；登录时会记住）
cli--ca_cert = 对 https 服务器，另外信任 文件（PEM）中的证书机构，如单位自建的 CA；系统自带的根证书始终信任（FIRECHECK_CA_CERT）
cli--json = 以 JSON 输出列表，供脚本使用
cli--lang = 界面语言：zh（中文）或 en（英文）[默认：FIRECHECK_LANG，否则看系统区域设置]

cli-login = 在本设备上以 用户名 登录（需联网），会提示输入密码
cli-login--username = 账号的用户名
cli-login--password_stdin = 从标准输入读取密码，而不是提示输入
cli-logout = 在本设备上退出登录（排队的操作仍保留在队列中）

cli-venues = 列出场所，按街道和地址排序
cli-venues--street = 只看这条街道，如 小木桥路
cli-venues--kind = 只看这一类型：street-shop（沿街商铺）、ebike-point（电动车销售维修点）、three-in-one（三合一场所）、metro-station（地铁站）、residential（居民小区）、office-tower（办公楼）、other（其他）
cli-venue = 添加或修改场所
cli-venue-add = 登记名单上还没有的场所
cli-venue-add--name = 场所名称，如 老王电动车维修
cli-venue-add--kind = street-shop（沿街商铺）、ebike-point（电动车销售维修点）、three-in-one（三合一场所）、metro-station（地铁站）、residential（居民小区）、office-tower（办公楼）、other（其他）
cli-venue-add--street = 所在街道，如 小木桥路
cli-venue-add--address = 门牌地址，如 小木桥路 88 号

cli-inspect = 按检查表记录对 场所（编号、编号开头或名称）的一次检查
cli-inspect-long =
    按检查表记录对 场所（编号、编号开头或名称）的一次检查。

    在终端上且未给出答案时，逐项询问（通过 p / 不合格 f / 不适用 n / 返回上一项 b），最后列出全部回答，确认后才保存。否则可用：--pass-all、--fail 编号[:问题]（可重复）、--na 编号（可重复），或 --from 文件（JSON：{"{"}"items": [{"{"}"code": "EB-EXIT", "outcome": "fail", "note": "…"{"}"}], "note": "…"{"}"}）。
cli-inspect--venue = 场所编号、编号开头或名称
cli-inspect--template = 检查表代码（如 ebike-point）或编号 [默认：适用于该场所类型的检查表]
cli-inspect--pass_all = 未用 --fail 或 --na 指定的检查项一律记为合格
cli-inspect--fail = 不合格的检查项，可附问题说明：编号 或 编号:问题。可重复
cli-inspect--na = 不适用的检查项。可重复
cli-inspect--from = 从 JSON 文件读取答案
cli-inspect--note = 总体备注
cli-inspect--campaign = 专项活动编号 [默认：正在进行且包含该场所的专项活动，如有]
cli-inspect--photo = 某一检查项的照片（JPEG、PNG、HEIC）或 PDF：编号=路径。可重复。立即复制到本设备，同步时在记录之后上传

cli-hazards = 列出隐患：逾期的在前，其余按整改期限排序
cli-hazards--open = 只看仍需整改的隐患
cli-hazards--overdue = 只看已过整改期限的隐患
cli-hazards--street = 只看这条街道上的隐患
cli-hazards--mine = 只看我发现或办理过的隐患
cli-hazards--status = 只看这一状态：open（待交办）、dispatched（已交办）、reported-fixed（整改完成待复查）、verified（复查销项）、closed（已关闭）、reopened（重新打开）
cli-hazard = 查看或办理一处隐患（编号：完整编号或其开头几位）
cli-hazard-show = 完整的处理经过，含冲突记录
cli-hazard-show--id = 隐患编号或其开头几位
cli-hazard-dispatch = 交办给责任单位并限期整改（平安办）
cli-hazard-dispatch--id = 隐患编号或其开头几位
cli-hazard-dispatch--to = 责任单位，如 城管斜土中队
cli-hazard-dispatch--due = 整改期限：YYYY-MM-DD，或 +N（今天起 N 天后）
cli-hazard-dispatch--note = 给责任单位的说明
cli-hazard-fixed = 报告整改完成，等待复查
cli-hazard-fixed--id = 隐患编号或其开头几位
cli-hazard-fixed--note = 做了哪些整改
cli-hazard-fixed--photo = 整改证明（照片或签字的通知书）。可重复
cli-hazard-verify = 复查销项（平安办）
cli-hazard-verify--id = 隐患编号或其开头几位
cli-hazard-verify--note = 复查意见
cli-hazard-reopen = 重新打开（平安办）
cli-hazard-reopen--id = 隐患编号或其开头几位
cli-hazard-reopen--reason = 重新打开的理由
cli-hazard-close = 写明理由后关闭（平安办）
cli-hazard-close--id = 隐患编号或其开头几位
cli-hazard-close--reason = 关闭理由
cli-hazard-comment = 添加备注
cli-hazard-comment--id = 隐患编号或其开头几位
cli-hazard-comment--text = 备注内容

cli-drill = 记录应急演练
cli-drill-log = 记录一次已举行的演练
cli-drill-log--place = 地点，如 龙华中路站
cli-drill-log--scenario = 演练科目
cli-drill-log--units = 参与单位，以逗号分隔
cli-drill-log--participants = 参加人数
cli-drill-log--evacuation_secs = 疏散用时（秒）
cli-drill-log--organiser = 组织单位 [默认：你所在的单位]
cli-drill-log--when = 举行时间，YYYY-MM-DD HH:MM（上海时间）[默认：现在]
cli-drill-log--venue = 举行演练的场所（编号、编号开头或名称），如有
cli-drill-log--went_well = 做得好的方面
cli-drill-log--to_improve = 需改进的方面
cli-drill-log--photo = 演练的照片或 PDF。可重复
cli-drills = 列出演练，最近的在前

cli-campaign = 专项活动及其覆盖情况
cli-campaign-coverage = 先列未检查的目标场所，再列发现、已整改和逾期的隐患
cli-campaign-coverage--id = 专项活动编号或其开头 [默认：最新的专项活动]
cli-campaign-list = 列出专项活动
cli-templates = 列出检查表及其检查项

cli-blob = 附件（照片、PDF），以其 SHA-256 标识
cli-blob-get = 把附件保存为文件：本设备有就从本设备取，否则从服务器下载
cli-blob-get--hash = SHA-256 十六进制（见 `hazard show --json`）
cli-blob-get--output = 要写入的文件

cli-sync = 推送排队的操作并分页拉取所有新内容；网络出错时自动重试
cli-status = 排队、已发出、已确认或被拒的操作；上次同步；时钟提醒

## Added with the deployment and the other channels
cli-venue-edit = 修改场所的名称、类型、街道或地址（只改给出的部分）
cli-venue-edit--venue = 场所编号、编号开头或名称
cli-venue-edit--name = 新名称
cli-venue-edit--kind = 新类型：street-shop（沿街商铺）、ebike-point（电动车销售维修点）、three-in-one（三合一场所）、metro-station（地铁站）、residential（居民小区）、office-tower（办公楼）、other（其他）
cli-venue-edit--street = 新街道
cli-venue-edit--address = 新地址
cli-venue-close = 将场所标为已关停，或用 --moved 标为已搬迁：不再是专项活动的目标；其未销项的隐患仍保留在清单上
cli-venue-close--venue = 场所编号、编号开头或名称
cli-venue-close--reason = 原因，如 已关停 或 搬至斜土路 1101号
cli-venue-close--moved = 商户从该地址搬走了（而不是关停）
cli-venue-reopen = 将已关停或已搬迁的场所恢复为在营
cli-venue-reopen--venue = 场所编号、编号开头或名称
cli-venue-reopen--reason = 原因（如有必要）
cli-venue-import = 导入平安办的场所表格（平安办）：.xlsx 或 .csv，列名可用中文或英文（名称/场所名称、类型/场所类型、地址、街道/路段、经度、纬度、编号——或 name、kind、address、street、lon、lat、id）。每一行新建一个场所、修改已有场所（只改变动的字段）或保持不变；有错的行会报告（行、列、错在哪里）且不导入，命令随后以 6 退出。再次导入同一文件不会有任何改动。导入后请同步以发送这些场所
cli-venue-import--file = 表格文件（.xlsx、.xls、.ods，或 UTF-8、GB18030 编码的 .csv）
cli-venue-import--sheet = 工作表 [默认：第一个]
cli-venue-import--dry_run = 只显示会有哪些变化（新增、修改的字段、未变、错误），不做记录
cli-inspect--at = 检查的实际时间，用于事后补录：YYYY-MM-DD HH:MM（上海时间），最多 7 天前 [默认：现在]
cli-hazards--source = 只看这一来源的隐患：inspection（巡查）、citizen_report（市民报告）、drill（演练）、visit（走访）
cli-hazard-reply = 答复报告的市民（反馈；平安办）：城市平台会读取答复，与该隐患关联的每份报告都会收到
cli-hazard-reply--id = 隐患编号或其开头几位
cli-hazard-reply--text = 答复内容
cli-inspection = 更正已记录的检查，或查看一次检查
cli-inspection-amend = 写明理由后更正某一检查项的结果或备注（原记录保留；不合格项改为合格或不适用时，会关闭它引出的隐患）
cli-inspection-amend--inspection = 检查记录编号或其开头几位（见 `inspection show` 或 `hazard show`）
cli-inspection-amend--reason = 更正的理由
cli-inspection-amend--item = 某一检查项更正后的回答：编号=pass|fail|na，冒号后可附说明（编号=fail:问题）。可重复
cli-inspection-amend--note = 更正后的总体备注
cli-inspection-show = 一次检查的各项结果及其更正，原回答列在旁边
cli-inspection-show--inspection = 检查记录编号或其开头几位
cli-inspection-list = 某一场所的检查记录，最新的在前
cli-inspection-list--venue = 场所编号、编号开头或名称
cli-drill-finding = 把演练中“需改进”的一点记为跟踪事项（像其他隐患一样交办、整改、复查）
cli-drill-finding--drill = 演练编号或其开头几位（见 `firecheck drills`）
cli-drill-finding--point = 问题要点，如 出入口应急广播声音偏小
cli-drill-finding--severity = critical（重大）、major（较大）或 minor（一般）
cli-drill-finding--photo = 照片或 PDF。可重复
cli-drill-show = 一次演练及其发现的问题、各自的进展
cli-drill-show--drill = 演练编号或其开头几位
cli-campaign-define = 定义专项活动（平安办）：时段、目标街道和场所类型、目标。目标场所是这些街道上这些类型的所有场所。以相同名称（或 --id）再次定义会替换原定义；同一命令运行两次不会有任何改动。定义后请同步以发送
cli-campaign-define--name = 如 进博会“三合一”场所夜查整治
cli-campaign-define--from = 第一天，YYYY-MM-DD
cli-campaign-define--to = 最后一天，YYYY-MM-DD
cli-campaign-define--streets = 目标街道，以逗号分隔或重复给出 [默认：所有街道]
cli-campaign-define--kinds = 目标场所类型（代码或中文名称），以逗号分隔或重复给出 [默认：所有类型]
cli-campaign-define--goal = 目标
cli-campaign-define--id = 重新定义这个专项活动（编号、编号开头或名称），而不是按 --name 查找
cli-template = 从文件载入检查表（平安办）
cli-template-load = 从 JSON 或 TOML 文件载入检查表（见 fixtures/import/templates.toml）。已定义的版本：文件内容相同则不变，不同则拒绝——改动过的检查表应是更高的新版本，按旧版做过的检查保留旧版。载入后请同步以发送
cli-template-load--file = JSON 或 TOML 文件
cli-template-load--dry_run = 只显示会载入什么，不做记录
cli-report = 登记电话受理的市民报告（平安办），或查看、关联、答复一份报告
cli-report--text = 市民反映的内容
cli-report--street = 街道，如 斜土路
cli-report--address = 门牌地址
cli-report--case = 平台的案件编号（如市民有）；有编号时报告即为平台案件，同一案件的推送会与之汇合
cli-report--venue = 涉及的场所（编号、编号开头或名称）；不能与 --case 同用（请改用关联）
cli-report--channel = 受理渠道
cli-report--contact_name = 报告人姓名（仅平安办可见）
cli-report--contact_phone = 报告人电话（仅平安办可见）
cli-report--severity = critical（重大）、major（较大）或 minor（一般）
cli-report--at = 市民报告的时间，YYYY-MM-DD HH:MM [默认：现在]
cli-report--photo = 照片或 PDF。可重复
cli-report-show = 报告内容、处理情况、答复；平安办还能看到报告人的联系方式
cli-report-show--report = 平台案件编号，或报告编号
cli-report-link = 把报告关联到已在跟踪同一问题的隐患（平安办）：它自己的隐患随之关闭，改为跟随那个隐患（状态和答复）
cli-report-link--report = 平台案件编号，或报告编号
cli-report-link--to = 隐患（编号或其开头几位）
cli-report-link--note = 关联说明
cli-report-reply = 答复市民（反馈；平安办）：记在跟随该报告的隐患上
cli-report-reply--report = 平台案件编号，或报告编号
cli-report-reply--text = 答复内容
cli-reports = 列出市民报告，最新的在前，并显示各自的处理情况
cli-visit = 走访：记录一次走访，或反馈某片区此前提出的问题
cli-visit-log = 记录一次走访及居民提出的问题（每个问题作为隐患跟踪）
cli-visit-log--area = 居民小区场所（编号、编号开头或名称），或没有对应场所的片区名称
cli-visit-log--date = YYYY-MM-DD [默认：今天]
cli-visit-log--team = 走访人员，以逗号分隔
cli-visit-log--units = 一同前往的单位，以逗号分隔
cli-visit-log--residents = 见到的居民人数
cli-visit-log--topic = 宣讲的议题。可重复
cli-visit-log--problem = 居民提出的问题，可附严重程度：问题 或 问题::严重程度。可重复
cli-visit-log--note = 走访备注
cli-visit-report = 片区反馈：在那里的每次走访（最新的在前），提出的问题及各自的处理情况
cli-visit-report--area = 居民小区场所（编号、编号开头或名称），或按名称走访的片区
cli-visits = 列出走访记录，最近的在前
cli-admin = 管理本单位（需联网，以管理员身份登录）：账号、设备、责任单位、审计日志
cli-admin-users = 本单位的账号：角色，是否停用或等待修改密码
cli-admin-user = 添加、修改、停用、启用账号，或重置其密码
cli-admin-user-add = 创建账号。加 --password-stdin 时从标准输入读取密码，否则自动生成并只显示一次；请交给本人，由他用 `firecheck password` 修改
cli-admin-user-add--username = 用户名（字母、数字、“-”“_”“.”）
cli-admin-user-add--name = 大家熟悉的称呼，如 张伟
cli-admin-user-add--role = inspector（巡查员）、officer（平安办）或 admin（管理员）
cli-admin-user-add--password_stdin = 从标准输入读取密码
cli-admin-user-role = 修改账号的角色（inspector、officer 或 admin）
cli-admin-user-role--username = 账号的用户名
cli-admin-user-role--role = inspector（巡查员）、officer（平安办）或 admin（管理员）
cli-admin-user-disable = 停用账号：它不能再登录，其设备也立即停止同步
cli-admin-user-disable--username = 账号的用户名
cli-admin-user-enable = 重新启用已停用的账号
cli-admin-user-enable--username = 账号的用户名
cli-admin-user-reset-password = 把账号密码换成一次性密码（只显示一次），用户下次登录时必须修改（`firecheck password`）
cli-admin-user-reset-password--username = 账号的用户名
cli-admin-devices = 本单位已登记的设备
cli-admin-device = 吊销设备
cli-admin-device-revoke = 吊销设备（如丢失的手机）：它不能再同步或登录
cli-admin-device-revoke--id = 设备编号或其开头、结尾几位（见 `firecheck admin devices`）
cli-admin-units = 隐患交办的责任单位（城管斜土中队、斜土路派出所、居委……）
cli-admin-units--all = 也列出已停用的
cli-admin-unit = 添加责任单位
cli-admin-unit-add = 添加责任单位，如 城管斜土中队
cli-admin-unit-add--name = 单位名称
cli-admin-audit = 审计日志，最新的在前：每一项管理和运维操作——加 --ops 则为操作日志：谁、做了什么、用哪台设备、何时
cli-admin-audit--limit = 每页条数（1–500）
cli-admin-audit--before = 只看早于此位置的记录（上一页末尾给出的 `next`）
cli-admin-audit--ops = 显示操作日志，而不是管理操作
cli-password = 修改自己的密码（需联网）——包括管理员给的一次性密码——再用新密码登录。会询问当前密码和新密码；加 --password-stdin 则从标准输入读两行
cli-password--user = 改谁的密码 [默认：本设备上登录的用户]
cli-password--password_stdin = 从标准输入读取当前密码和新密码，每行一个
cli-org = 单位管理，供服务器运维人员使用（需运维密钥）
cli-org-create = 创建单位（街道的社区平安办）及其第一个管理员
cli-org-create--name = 单位名称，如 枫林街道社区平安办
cli-org-create--admin = 第一个管理员的用户名
cli-org-create--admin_name = 第一个管理员的称呼 [默认：管理员]
cli-org-create--operator_key_file = 运维密钥文件：服务器数据目录中的 `operator-token`
cli-org-create--operator_key = 运维密钥本身（最好用文件）
cli-org-create--password_stdin = 从标准输入读取管理员密码 [默认：自动生成，只显示一次]
cli-report-long =
    登记电话受理的市民报告（平安办），或查看、关联、答复一份报告。

    `firecheck report --text … --street …` 登记一份；`report show|link|reply 报告` 处理一份（报告：平台案件编号，或报告编号）。
