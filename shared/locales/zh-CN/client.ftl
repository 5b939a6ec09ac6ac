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
