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
      5  找不到：没有这个场所、隐患、检查表或专项活动
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
