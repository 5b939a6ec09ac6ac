saved-offline = 已离线保存，{ $waiting } 条待同步
hazard-now = 隐患 { $id } 现为：{ $status }

## Talking to the server (cli-client/src/remote.rs)
remote-unreachable = 无法连接服务器 { $url }：{ $detail }
remote-tls = 无法与 { $url } 建立安全连接：{ $detail }
remote-ca-cert = 无法使用 CA 证书 { $path }（--ca-cert、FIRECHECK_CA_CERT）：{ $detail }
remote-server-says = { $message }
remote-refused = 服务器拒绝了请求（{ $status }）：{ $message }
remote-bad-answer = 服务器的应答无法读取：{ $detail }
remote-no-connection = 连接被拒绝或没有网络
remote-timed-out = 超时
remote-broken = 连接中断（{ $detail }）
tls-no-roots = 无法载入本系统的根证书：{ $detail }
tls-unknown-issuer = 服务器证书不是由本设备信任的机构签发的；如果单位有自己的证书机构，请用 --ca-cert 文件 或 FIRECHECK_CA_CERT 指定其证书
tls-wrong-name = 服务器证书不是为这个地址签发的；请在服务器 URL 中使用证书上写明的主机名
tls-expired = 服务器证书已过期（或本设备时钟不准）
tls-not-yet-valid = 服务器证书尚未生效（本设备时钟是否准确？）
tls-not-tls = 服务器不支持 TLS（{ $detail }）；如果它提供的是普通 http，请使用 http:// 地址
tls-failed = TLS 握手失败：{ $detail }
ca-no-file = 文件不存在
ca-unreadable = 无法读取：{ $detail }
ca-pem-no-end = 不是可读的 PEM：有一段缺少 `-----END …-----` 行
ca-pem-bad-begin = 不是可读的 PEM：`-----BEGIN` 行格式错误
ca-pem-other = 不是可读的 PEM（{ $detail }）
ca-der = 这像是二进制（DER）证书，请转换为 PEM：`openssl x509 -inform der -in 文件 -out ca.pem`
ca-no-certificate = 其中没有证书：请提供 PEM 格式的 CA 证书（`-----BEGIN CERTIFICATE-----`）
ca-unusable = 不是可用的证书（{ $detail }）

## What went wrong (cli-client/src/lib.rs `CliError`, main.rs)
error-line = 错误：{ $message }
error-not-logged-in = 本设备尚未登录：请在有网络时运行一次 `firecheck login 用户名`，之后一切都可离线使用
error-login-ended = { $message }：请运行 `firecheck login { $username }`；{ $waiting } 条操作仍在队列中等待
error-unreachable = { $cause }；所有记录仍在队列中——有网络时再同步
error-tls = { $cause }；什么都没有发送，所有记录仍在队列中
error-unauthorized = { $message }；请运行 `firecheck login 用户名`——排队的操作会继续等待
error-photos-unreachable = 记录已同步，但有 { $waiting } 张照片未能发送：{ $cause }
error-photos-login = 记录已同步，但有 { $waiting } 张照片要等登录后才能发送：{ $cause }
error-photos-other = 记录已同步，但有 { $waiting } 张照片未能发送（{ $cause }）；它们保留在本设备上，下次同步再发
error-unreadable = 无法读取 { $path }：{ $cause }
error-answer-file = { $path } 不是可读的答案文件：{ $detail }
error-attachment-too-large = { $path } 有 { $mib } MiB；附件最大 { $max } MiB
error-attachment = { $path }：{ $cause }
error-home = 无法创建 { $path }：{ $cause }
error-io = 输入或输出失败：{ $cause }
error-output = 无法写出 JSON：{ $detail }
error-runtime = 无法启动异步运行时：{ $cause }
error-write = 无法写入 { $path }：{ $cause }
error-corrupt-download = 附件 { $hash } 下载后已损坏，请重试
error-blob-missing = 本设备的附件库中缺少附件 { $hash }
io-not-found = 文件或文件夹不存在
io-permission = 没有权限
io-disk-full = 磁盘已满
io-other = { $detail }

## Usage errors (cli-client/src/lang.rs), in place of clap's English
usage-unknown-argument = 不认识的参数 { $arg }
usage-unknown-command = 没有命令 { $command }
usage-invalid-value = { $arg } 不能取值“{ $value }”
usage-missing-argument = 缺少必需的参数：{ $arg }
usage-missing-command = 请给出一个命令
usage-conflict = { $arg } 不能与 { $other } 同时使用
usage-wrong-number = { $arg } 的取值个数不对
usage-other = 无法读懂这条命令
usage-see-help = 详细用法请运行 `--help`。

## The device's own storage (cli-client/src/replica/)
replica-storage = 本地存储出错（{ $path }）：{ $detail }
replica-corrupt = 本地数据无法读取（{ $detail }）；它可能是较新版本的 firecheck 写的
replica-locked = { $path } 正被另一个 firecheck 命令使用，请等它结束
replica-too-new = 本地数据的格式是 { $found }，比此版本 firecheck 所知的（{ $known }）更新；请安装写入它的较新版本
replica-fold = 合并本设备的记录失败（{ $detail }），什么都没有写入——请再运行一次命令，若一再出现请报告
replica-interrupted = 本命令在合并记录时前一步出错，它暂存的内容都没有写入——请再运行一次命令
attach-not-evidence = 只能附加 JPEG、PNG、HEIC 照片和 PDF 文件
attach-keep = 无法把附件保存到 { $dir }：{ $detail }

## Every recording command's last line; finding things (cli-client/src/commands/mod.rs)
venue-ambiguous = “{ $query }”匹配到 { $count } 个场所（{ $some }）；请给出更长的编号或完整名称
venue-not-found = 本设备上没有场所“{ $query }”；可用 `firecheck venues` 列出，或同步获取最新名单
hazard-id-too-short = 隐患编号“{ $query }”太短，请至少给出 4 个字符
hazard-not-found = 本设备上没有隐患“{ $query }”；可用 `firecheck hazards` 列出
hazard-ambiguous = “{ $query }”匹配到 { $count } 个隐患，请给出更长的编号
campaign-none = 本设备上还没有专项活动，请先同步
campaign-not-found = 没有专项活动“{ $query }”；可用 `firecheck campaign list` 列出
campaign-ambiguous = “{ $query }”匹配到多个专项活动，请给出更长的编号

## Table headers
col-id = 编号
col-name = 名称
col-kind = 类型
col-street = 街道
col-address = 地址
col-status = 状态
col-severity = 严重程度
col-venue = 场所
col-item = 检查项
col-deadline = 整改期限
col-assignee = 责任单位
col-held = 时间
col-place = 地点
col-scenario = 演练科目
col-people = 人数
col-evacuation = 疏散用时
col-period = 时段
col-streets = 街道
col-last-inspected = 上次检查
col-hazards-open-found = 隐患 未销项/发现

## Venues (cli-client/src/commands/venue.rs)
venues-none = 没有符合条件的场所（同步可获取最新名单）
venues-count = 共 { $count } 个场所
venue-added = 已添加场所 { $id } { $name }（{ $kind }）；可用 `firecheck inspect { $id }` 检查它

## Hazards (cli-client/src/commands/hazard.rs)
hazards-none = 没有符合条件的隐患
hazards-count = 共 { $count } 个隐患
hazard-status-overdue = { $status } 已逾期
hazard-conflicts = { $count } 条冲突
hazard-overdue = 已逾期
bad-date = 无法识别日期“{ $value }”；请写成 YYYY-MM-DD（如 2026-12-01），或写 +7 表示一周后
hazard-not-now = 隐患 { $id } 当前为“{ $status }”，现在不能{ $action }
act-dispatch = 交办
act-fixed = 报告整改完成
act-verify = 复查销项
act-reopen = 重新打开
act-close = 关闭
act-comment = 备注
act-inspect = 检查
show-title = 隐患 { $id }  [{ $status }]  { $overdue }
show-venue = 场所：    { $name }（{ $address }）
show-item = 检查项：  { $item } { $text }  严重程度 { $severity }
show-found = 发现：    { $when } — { $description }
show-assigned = 责任单位：{ $unit }  整改期限 { $deadline }
show-merged = 合并：    同一问题另有 { $count } 次发现
show-history = 处理经过：
event-found = 发现：{ $note }
event-found-again = 再次发现：{ $note }
event-passed = 复查合格
event-dispatched = 交办 { $unit }，限 { $due } 前整改 { $note }
event-fixed-evidence = 报告整改完成：{ $note }  [附件：{ $evidence }]
event-fixed = 报告整改完成：{ $note }
event-verified = 复查销项 { $note }
event-reopened = 重新打开：{ $reason }
event-closed = 关闭：{ $reason }
event-comment = 备注：{ $text }
event-conflict = 冲突：{ $note }

## Drills and campaigns (cli-client/src/commands/drill.rs, campaign.rs)
bad-time = 无法识别时间“{ $value }”；请写成 YYYY-MM-DD HH:MM
drill-logged = 已记录演练 { $id }，地点 { $place }（参加 { $participants } 人，疏散用时 { $secs } 秒）
drills-none = 还没有演练记录
seconds = { $secs } 秒
coverage-summary = 已检查 { $inspected }/{ $targets } 个目标场所；发现隐患 { $found } 处，已整改 { $rectified } 处，逾期 { $overdue } 处；整改率 { $rate }%
coverage-not-inspected = 未检查
coverage-inspected = 已检查

## Logging in, out, status, attachments (cli-client/src/session.rs)
login-which-server = 连哪个服务器？请用 --server 网址 给出，或设置 FIRECHECK_SERVER（如 http://127.0.0.1:8080）
login-password-prompt = { $username } 的密码：
login-empty-password = 密码为空
login-registered-anew = 本设备是从旧备份恢复的：正在重新登记；{ $count } 条操作将重新发送
login-other-org = 本设备存有 { $held } 的数据；{ $other } 请使用另一个 --home
login-done = 已登录：{ $name }（{ $username }，{ $role }），{ $org }；{ $waiting } 条待同步——请运行 `firecheck sync`
logout-done = 已退出登录；{ $waiting } 条操作留在队列中，等下次登录并同步
blob-saved = 已把 { $hash }（{ $kib } KiB）保存到 { $path }
status-user = { $name }（{ $username }，{ $role }），服务器 { $server }
status-not-logged-in = 未登录
status-device = 设备 { $device }
status-outbox = 发件箱：{ $queued } 条排队，{ $sent } 条已发出（等待应答），{ $acked } 条已确认，{ $rejected } 条被拒
status-last-sync = 上次成功同步：{ $when }（{ $mins } 分钟前）
status-never-synced = 上次成功同步：从未
status-photos-waiting = 待上传照片：{ $count } 张（{ $kib } KiB）
warning-line = 注意：{ $warning }
status-local = 本地副本：{ $ops } 条操作，已拉取到 #{ $cursor }
status-rejected-title = 被拒的操作（保留在本设备上）：

## Sync (cli-client/src/sync/render.rs)
sync-pulling = 已拉取 { $count } 条操作…
sync-summary = 同步：发送 { $sent }，确认 { $acked }，被拒 { $rejected }，拉取 { $pulled }，冲突 { $conflicts }
sync-photos = 照片：已发送 { $count } 张（{ $kib } KiB）
sync-some-rejected = 有操作被拒：原因请看 `firecheck status`

## Inspections (cli-client/src/commands/inspect.rs)
inspect-saved = 检查记录 { $id }：{ $venue }（{ $template } v{ $version }）：合格 { $pass } 项，不合格 { $fail } 项，不适用 { $na } 项
template-not-found = 没有检查表“{ $query }”；现有检查表：{ $codes }
template-none-for-kind = 没有适用于{ $kind }的检查表；请用 --template 指定
template-no-item = 检查表 { $template } 没有检查项“{ $code }”；它的检查项是 { $codes }
item-answered-twice = 检查项 { $code } 回答了两次
photo-arg = --photo“{ $value }”：请写成 编号=路径，如 EB-EXIT=exit.jpg
items-not-answered = 有检查项未回答：{ $codes }；加上 --pass-all 可将其余各项记为合格
photo-no-item = --photo 指定的检查项“{ $code }”不在检查表 { $template } 中
effect-opens = 新发现隐患
effect-reopens-conflict = 重新打开（与关闭冲突）隐患
effect-reopens = 重新打开隐患
effect-joins = 并入未销项隐患
effect-verifies = 复查销项隐患
effect-passes = 该项合格，但隐患仍未销项
template-line = { $code }（v{ $version }）{ $name }——适用于{ $kinds }

## The interactive checklist (cli-client/src/commands/inspect.rs `ask`)
ask-intro = { $name }（v{ $version }）：逐项回答——通过 p / 不合格 f / 不适用 n；返回上一项 b
ask-item = [{ $n }/{ $total }] [{ $code }] { $text }（{ $severity }）{ $current } 通过 p / 不合格 f / 不适用 n / 返回 b？
ask-current = [现为：{ $outcome }，回车保留]
ask-first-item = 这已是第一项
ask-retype = 请输入 p、f、n 或 b
ask-note = 发现了什么问题？{ $current }
ask-note-keep = [回车保留：{ $note }]
ask-input-ended = 检查保存之前输入就结束了，什么都没有保存
ask-summary = 本次检查：合格 { $pass } 项，不合格 { $fail } 项，不适用 { $na } 项
ask-summary-note = 问题：{ $note }
ask-confirm = 保存这次检查吗？y 保存 / b 返回上一项 / 输入 1–{ $total } 修改该项：
ask-confirm-retype = 请输入 y、b 或检查项编号（1–{ $total }）
sync-server-restored = 服务器已从备份恢复（它的日志与本设备在 #{ $shared } 之前一致）：已重新发送它缺少的本设备操作 { $resent } 条，并从那里重新拉取

## Added with the other channels (cli-client/src/commands/hazard.rs)
hazard-what = { $from }：{ $description }
show-report-id = 报告 { $id }
show-reports = 市民报告：{ $reports }
show-reply = 答复：    { $when } — { $text }
show-closed = 关闭理由：{ $reason }
event-replied = 答复市民：{ $text }
event-linked = 与隐患 { $hazard } 是同一问题，在那里跟进
event-finding-corrected = 检查记录 { $inspection } 的更正修改了此发现：{ $reason }
error-not-offered = 此服务器还不支持 `firecheck { $command }`（没有 { $endpoint }）；需要较新的 firecheck-server

## The office's spreadsheets (cli-client/src/sheet.rs), imports
sheet-unreadable = 无法读取 { $path }：{ $detail }
sheet-format = { $path }：不是 firecheck 能读的表格（{ $detail }）；请另存为 .xlsx 或 .csv
sheet-no-such-sheet = { $path }：没有工作表“{ $name }”；其中的工作表有 { $sheets }
sheet-empty = { $path }：工作表是空的
error-rows-refused = { $file } 有 { $rows } 行未导入（见上文）；请改正后重新导入该文件——已导入的行不会改变

## Administration from the command line (cli-client/src/admin.rs)
col-username = 用户名
col-role = 角色
col-state = 状态
col-created = 创建时间
col-device = 设备
col-user = 用户
col-registered = 登记时间
col-unit = 单位
col-seq = 序号
col-received = 接收时间
col-who = 操作人
col-what = 内容
col-about = 对象
col-when = 时间
admin-not-admin =
    `firecheck admin` 供本单位管理员使用；这里登录的 { $username } 是{ $role ->
        [inspector] 巡查员
        [officer] 平安办
       *[admin] 管理员
    }——请以管理员身份登录（`firecheck login admin`）
admin-no-accounts = 没有账号
admin-state-disabled = 已停用
admin-state-must-change = 须修改密码
admin-state-active = 正常
admin-state-revoked = 已吊销
admin-no-devices = 还没有登记的设备
admin-no-device = 本单位没有设备“{ $query }”；可用 `firecheck admin devices` 列出
admin-device-ambiguous = “{ $query }”匹配到 { $count } 台设备，请给出更长的编号
admin-device-revoked = 设备 { $id }（{ $name }）已吊销：它不能再同步或登录
admin-no-units = 还没有责任单位：可用 `firecheck admin unit add 名称` 添加
admin-unit-retired = { $when } 停用
admin-unit-in-service = 在用
admin-unit-added = 已添加责任单位 { $name }
admin-nothing-recorded = 没有记录
admin-older = 更早的记录：--before { $next }
admin-account-line = { $username }（{ $name }，{ $role }）
admin-account-disabled = { $account }，已停用
admin-account-created = 已创建账号 { $account }
admin-password-generated = 密码：{ $password }（只显示这一次：请交给本人；他用 `firecheck login { $username }` 登录，再用 `firecheck password` 修改）
admin-role-changed =
    { $username } 现为{ $role ->
        [inspector] 巡查员
        [officer] 平安办
       *[admin] 管理员
    }
admin-user-disabled = 已停用 { $account }：它不能再登录，其设备也已停止同步
admin-user-enabled = 已启用 { $account }：它可以重新登录
admin-password-reset = { $username } 的密码现为一次性密码 { $password }（只显示这一次：请交给本人；下次登录时他用 `firecheck password --user { $username }` 设置自己的密码）
password-whose = 改谁的密码？请用 --user 用户名 指定
password-prompt-old = { $username } 的当前密码（或收到的一次性密码）：
password-prompt-new = 新密码（至少 8 个字符）：
password-prompt-again = 再输入一次新密码：
password-differ = 两次输入的新密码不一致，什么都没有改
password-short = 新密码至少需要 8 个字符，什么都没有改
password-changed = 已修改 { $username } 的密码
org-needs-key = 创建单位需要运维密钥：--operator-key-file 数据目录/operator-token（服务器的数据目录）或 FIRECHECK_OPERATOR_TOKEN
org-key-refused = { $message }：请给出本服务器的运维密钥（其数据目录中的 operator-token 文件）
org-created = 已创建单位 { $name }（{ $id }），管理员为 { $admin }
org-admin-password = 管理员密码：{ $password }（只显示这一次）
org-next = 下一步：在管理员的电脑上运行 `firecheck login { $admin }`，再运行 `firecheck admin user add …`

## Campaign definitions (cli-client/src/commands/campaign.rs)
campaign-bad-date = { $flag }“{ $value }”不是日期，请写成 YYYY-MM-DD
campaign-unchanged = 未变
campaign-redefined = 已重新定义
campaign-defined = 已定义
campaign-define-done = 专项活动 { $id } { $name }（{ $starts } – { $ends }）：{ $what }；本设备上有 { $targets } 个目标场所
campaign-empty-street = 注意：本设备上 { $street } 没有场所（是否要先导入场所名单或同步？）

## Drill findings (cli-client/src/commands/drill.rs)
drill-id-too-short = 演练编号“{ $query }”太短，请至少给出 4 个字符
drill-not-found = 本设备上没有演练“{ $query }”；可用 `firecheck drills` 列出
drill-ambiguous = “{ $query }”匹配到 { $count } 次演练，请给出更长的编号
drill-finding-exists = 这次演练的这一点已作为隐患 { $hazard } 跟踪
drill-finding-tracked = 演练 { $drill }（{ $place }）的问题已作为隐患 { $hazard } 跟踪；可用 `firecheck hazard dispatch { $hazard }` 交办
drill-show-title = 演练 { $id }  { $when }  { $place }
drill-show-organiser = 组织单位：{ $organiser }
drill-show-units = 参与单位：{ $units }
drill-show-scenario = 演练科目：{ $scenario }
drill-show-people = 参加 { $participants } 人，疏散用时 { $secs } 秒
drill-show-went-well = 做得好：{ $text }
drill-show-to-improve = 需改进：{ $text }
drill-no-findings = 还没有跟踪的问题；可用 `firecheck drill finding { $id } --point …` 添加
drill-findings = 发现的问题：

## Added with the other channels (venues, inspections, hazards)
act-reply = 答复
act-link = 并入
act-correct = 更正
inspect-late-entry = 事后补录：检查时间为 { $when }
venue-nothing-to-change = 没有要修改的内容：请给出 --name、--kind、--street 或 --address
venue-line = 场所 { $id } { $name }（{ $kind }，{ $street } { $address }）
venue-line-status = { $venue } 现为“{ $status }”：不再是专项活动的目标；其未销项的隐患仍保留在清单上
inspect-bad-at = 无法识别时间“{ $value }”；请写成 YYYY-MM-DD HH:MM（上海时间）
inspect-at-future = --at { $value } 是将来的时间；请给出实际检查的时间
inspect-at-too-old = --at { $value } 已是 7 天以前；检查记录最迟可在检查后 7 天内补录

## Corrections of inspections (cli-client/src/commands/inspection.rs)
col-finished = 完成时间
col-items = 检查项
col-note = 备注
inspection-id-too-short = 检查记录编号“{ $query }”太短，请至少给出 4 个字符
inspection-not-found = 本设备上没有检查记录“{ $query }”；可用 `firecheck inspection list 场所` 列出某场所的检查记录
inspection-ambiguous = “{ $query }”匹配到 { $count } 条检查记录，请给出更长的编号
inspection-bad-outcome = 未知的检查结果“{ $value }”；请写 pass（合格）、fail（不合格）或 na（不适用）
inspection-item-arg = --item“{ $value }”：请写成 编号=pass、编号=na 或 编号=fail:问题
inspection-no-item = 检查记录 { $id } 没有检查项“{ $code }”；它的检查项是 { $codes }
item-corrected-twice = 检查项 { $code } 更正了两次
inspection-nothing-to-correct = 没有要更正的内容：请给出 --item 编号=结果 或 --note
inspection-amended = 已更正检查记录 { $id }
effect-closes = 关闭隐患
effect-withdraws = 撤回该发现（其他发现仍有效），隐患
effect-finds-again = 再次发现隐患
effect-records = 记入隐患
inspection-show-title = 检查记录 { $id }  { $venue }  完成于 { $finished }（记录于 { $recorded }）
inspection-show-note = 备注：{ $note }
inspection-show-amended = { $when } 更正：{ $reason }
inspection-show-none = （无）
inspections-none = 本设备上没有 { $venue } 的检查记录
inspections-items = { $items } 项，{ $failed } 项不合格
inspections-amended = 更正 ×{ $count }

## Citizen reports (cli-client/src/commands/report.rs)
col-case = 案件编号
col-reported = 报告时间
col-text = 内容
col-hazard = 隐患
col-reply = 答复
report-not-found = 本设备上没有市民报告“{ $query }”；可用 `firecheck reports` 列出
report-ambiguous = “{ $query }”匹配到 { $count } 份报告，请给出更长的编号
report-take-needs = 登记报告请给出 --text 和 --street；或用 `report show|link|reply 报告` 处理已有的报告
report-case-with-venue = 带平台案件编号的报告单独存放；请不带 --venue 登记，再用 `report link` 关联到场所的隐患
report-case-exists = 案件 { $case } 已有记录（报告 { $report }）；见 `firecheck report show { $case }`
report-taken = 已登记市民报告 { $id }；新建隐患 { $hazard }
report-taken-case = 已登记市民报告 { $id }（案件 { $case }）；新建隐患 { $hazard }
report-no-hazard = 本设备上报告“{ $query }”没有对应的隐患
report-show-title = 市民报告 { $id }  [{ $status }]
report-show-title-case = 市民报告 { $id }  案件 { $case }  [{ $status }]
report-show-reported = 报告时间：{ $when }，渠道 { $channel }
report-show-where = 地点：    { $street } { $address }
report-show-text = 内容：    { $text }
report-show-reporter = 报告人：  { $name } { $phone }
report-show-hazard = 隐患：    { $hazard } { $status }
report-show-linked = （已关联：平安办已在跟踪的问题）
report-show-dispatched = ，已交办 { $unit }
report-show-no-reply = 答复：    尚未答复（`firecheck report reply { $query } --text …`）
report-status-received = 已受理
report-status-in-progress = 办理中
report-status-resolved = 已办结
report-status-linked = { $status }（已关联）
report-link-own = 这是报告自己的隐患；请关联到已在跟踪该问题的隐患
report-linked = 市民报告 { $id } 已关联到隐患 { $hazard }（{ $status }）；它自己的隐患 { $own } 已关闭
report-followed-missing = 该报告跟随隐患 { $hazard }，本设备上还没有它；请先同步
report-replied = 已在隐患 { $hazard } 上记录答复；它跟随的每份报告都会收到
reports-none = 本设备上没有市民报告
reports-replied = 已答复
reports-count = 共 { $count } 份报告

## Resident visits (cli-client/src/commands/visit.rs)
col-date = 日期
col-area = 片区
col-team = 走访人员
col-residents = 居民
col-problems = 问题
visit-name-area = 请写明走访的片区
visit-not-residential = { $name } 是{ $kind }；走访对象应为居民区（居民小区场所，或没有对应场所的具名片区）
visit-ambiguous = “{ $query }”对应 { $count } 个场所，请给出场所编号
visit-bad-date = 无法识别日期“{ $value }”，请写成 YYYY-MM-DD
visit-recorded = 已记录 { $date } 对 { $area } 的走访 { $id }，提出问题 { $count } 个
handling-dispatched = 已交办 { $unit }，限 { $due } 前整改
handling-commented = { $status }——{ $text }
handling-replied = { $status }——已答复：{ $text }
handling-none = 尚未处理
handling-overdue = ——已逾期
visit-none-here = 本设备上没有对 { $area } 的走访；可用 `firecheck visit log --area { $area }` 记录
visit-report-title = 走访反馈 { $area }：走访 { $visits } 次，提出问题 { $raised } 个——已解决 { $resolved } 个，处理中 { $in_progress } 个，尚未处理 { $open } 个
visit-team-with-units = { $team }，会同 { $units }
visit-line = 走访 { $id }（{ $date }）：{ $team }；见到居民 { $residents } 人
visit-topics = 议题：{ $topics }
visit-no-problems = 没有提出问题
visits-none = 还没有走访记录

## Loading checklist templates (cli-client/src/commands/template.rs)
file-problem = { $path }：{ $detail }
template-file-empty = 其中没有检查表
template-spec-error = 检查表 { $code }：{ $detail }
template-item-error = 检查表 { $code } 的检查项 { $item }：{ $detail }
template-version-twice = 检查表 { $code } 的第 { $version } 版出现了两次
template-version-taken = 检查表 { $code } 第 { $version } 版已有不同的内容；版本一经定义不再改写（按它做过的检查保留它）——请把改动后的检查表定为第 { $next } 版
template-version-behind = 检查表 { $code } 已到第 { $newest } 版；新版本号必须更高（此文件写的是 { $version }）
template-outcome-unchanged = 未变
template-outcome-new-version = 新版本
template-outcome-new = 新建
template-loaded = 检查表 { $code } v{ $version }（{ $items } 项）：{ $outcome }
dry-run-line = { $line }（试运行：未记录）

## Importing the office's venue list (cli-client/src/commands/venue_import.rs)
import-not-degrees = “{ $value }”不是度数（如 31.193420）
import-degrees-range = { $value } 超出 -{ $max }…{ $max } 度
import-too-long = { $field }超过 { $max } 个字
import-bad-id = “{ $value }”不是场所编号（UUID，见 `firecheck venues --json`）
import-lon-empty = 给了纬度，经度却为空
import-lat-empty = 给了经度，纬度却为空
import-change-name = 名称 { $from } → { $to }
import-change-kind = 类型 { $from } → { $to }
import-change-address = 地址 { $from } → { $to }
import-change-street = 街道 { $from } → { $to }
import-change-location = 位置
import-officer-only =
    导入场所名单由平安办进行：{ $role ->
        [inspector] 巡查员
        [officer] 平安办
       *[admin] 管理员
    }无权导入；可用 `firecheck venue add` 逐个添加场所
import-no-header = { $file }：前 { $rows } 行中没有一行写明各列；缺少：{ $missing }（第 { $row } 行是：{ $has }）
import-same-venue = 与第 { $first } 行是同一场所（名称和地址相同）；本行未导入
import-sheet = ，工作表 { $sheet }
import-read = { $file }{ $sheet }：读取 { $rows } 行
import-dry-run = { $line }（试运行：什么都没有记录）
import-row-new = 第 { $row } 行  新增  { $name }
import-row-changed = 第 { $row } 行  修改  { $name }：{ $fields }
import-row-error = 第 { $row } 行  出错  “{ $column }”列：{ $problem }
import-ignored = 未使用的列：{ $columns }
import-totals = 场所：新增 { $new } 个，修改 { $changed } 个，未变 { $unchanged } 个{ $would }；有错误的 { $refused } 行未导入
import-would-be = （预计）
login-one-time = { $username } 的密码是一次性密码：请用 `firecheck password --user { $username }` 设置自己的密码（它会先询问一次性密码），设置后即自动登录
