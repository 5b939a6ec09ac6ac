
## The server's answers: the `message` of `{"error": {"code", "message"}}` (server/src/api/error.rs)
error-method-not-allowed = 此接口不支持该请求方法
error-timeout = 请求处理超时，请重试
error-too-many-attempts = 登录失败次数过多，请在 { $secs } 秒后再试
error-internal = 服务器内部错误，详情已记入服务器日志；请重试，若一再出现请告知服务器运维人员
error-storage-unavailable = 服务器存储暂时不可用（{ $trouble }），请稍后重试
disk-full = 服务器磁盘已满
disk-read-only = 服务器磁盘为只读
disk-permission = 服务器无权写入其数据目录
disk-failed = 服务器磁盘故障
error-body-too-large = 请求体过大：{ $detail }
error-media-type-detail = 不支持的内容类型：{ $detail }
error-no-endpoint = 没有这个接口
error-not-found-detail = 未找到：{ $detail }
error-unreadable-request = 请求无法读取：{ $detail }

## Authentication of a request (server/src/api/mod.rs, auth.rs, operator.rs, monitoring.rs)
auth-missing-token = 缺少 Authorization: Bearer 令牌，请先登录
auth-bad-header = Authorization 的格式应为 `Bearer <令牌>`
auth-token-expired = 访问令牌已过期，请刷新或重新登录
auth-token-invalid = 访问令牌无效，请重新登录
auth-device-revoked = 此设备已被停用，请联系管理员
auth-device-unknown = 此设备尚未登记，请重新登录
auth-account-disabled = 此账号已被停用，请联系管理员
auth-session-ended = 本次登录已失效（密码已修改或重置），请重新登录
auth-account-gone = 此账号已不存在，请重新登录
auth-role-may-not =
    { $role ->
        [inspector] 巡查员
        [officer] 平安办
       *[admin] 管理员
    }角色无权进行此操作

## The sync endpoint (server/src/api/sync.rs, sequencer.rs): errors and each refused op's reason
sync-undecodable = 同步请求无法解码：{ $detail }
sync-no-content-type = Content-Type 必须是 application/json 或 application/x-firecheck-bincode
sync-bad-content-type = 不支持 Content-Type“{ $content_type }”；请使用 application/json 或 application/x-firecheck-bincode
sync-too-many-ops = 一次同步含 { $count } 条操作，最多允许 { $max } 条；其余的请在下一轮发送
sync-shutting-down = 服务器正在关闭，请稍后重试
sync-not-stored = 服务器未能可靠保存这些操作（{ $trouble }），均未确认，请稍后重试
sync-storage-failed = 存储出错，运维人员可在服务器日志中查看原因
reject-device-seq-reused = 此设备在第 { $position } 位已存有另一条操作（是否从备份恢复过？）；请重新登录以重新登记设备——这条操作会保留
reject-wrong-author = 操作的作者 { $author } 不是当前登录用户 { $user }
reject-wrong-device = 操作的设备 { $device } 不是本设备 { $this_device }

## Logging in, refreshing, changing one's password (server/src/api/auth.rs, admin.rs)
login-too-long = 用户名、密码或设备名过长
login-one-time-password-api = 这是一次性密码：请先设置自己的密码（POST /v1/auth/password，以它作为 old_password），再用新密码登录
login-one-time-password = 这是一次性密码：请先设置自己的密码（firecheck password），再用新密码登录
login-device-other-org = 此设备已登记在另一个单位名下
login-wrong-password = 用户名或密码错误
password-too-long = 用户名或密码过长
password-unchanged = 新密码不能与旧密码相同
refresh-invalid = 刷新令牌无效，请重新登录
refresh-used = 此刷新令牌已用过，请重新登录
refresh-expired = 登录已过期，请重新登录
refresh-account-blocked = 此账号目前无法登录，请联系管理员

## Administration (server/src/api/admin.rs, users.rs, units.rs, operator.rs, audit.rs, monitoring.rs; server/src/store)
admin-bounded = { $field } 须为 1 到 { $max } 个字
admin-username-chars = 用户名只能使用字母、数字和“-”“_”“.”
admin-password-short = 密码至少需要 8 个字符
admin-own-org-only = 管理员只能管理本单位的账号
admin-last-admin = { $username } 是本单位唯一启用的管理员；请先把另一个账号设为管理员
operator-key-missing = 运维接口需要 `Authorization: Bearer <运维密钥>`（服务器数据目录中的 operator-token 文件）
operator-key-wrong = 这不是本服务器的运维密钥
page-limit = limit 须为 1 到 { $max }，而不是 { $given }
ready-storage = 存储无法写入：{ $detail }
ready-views-behind = 启动后视图正在追赶日志：单位 { $org } 已到 { $covered }，共 { $head }
metrics-key-missing = /metrics 需要 `Authorization: Bearer <运维密钥或 FIRECHECK_METRICS_TOKEN>`
metrics-key-wrong = 这既不是本服务器的运维密钥，也不是指标令牌
password-changed-meanwhile = 密码刚被他人修改或重置，请重试
store-username-taken = 用户名 { $username } 已被占用
store-no-account = 本单位没有账号 { $username }
store-no-device = 本单位没有设备 { $device }
store-no-unit = 本单位没有单位 { $unit }
store-unit-name-taken = 已有在用单位名为 { $name }
store-too-many-units = 每个单位最多可有 { $max } 个责任单位
store-unit-retired = { $name } 已停用；停用的单位保留原名

## Attachments (server/src/api/blobs.rs)
blob-bad-hash = 附件以其 SHA-256 命名：64 位十六进制数字
blob-bad-type = 附件必须是 JPEG、PNG、HEIC 或 PDF（收到的 Content-Type 为“{ $content_type }”）
blob-bad-range = Content-Range 的格式应为 `bytes 起始-结束/总数`
blob-range-mismatch = Content-Range 标明 { $named } 字节，但请求体有 { $got } 字节
blob-too-large = 附件有 { $size } 字节，超过上限 { $max } 字节
blob-empty = 附件不能为空
blob-not-evidence = 内容不是 JPEG、PNG、HEIC 或 PDF 文件
blob-wrong-offset = 此次上传应从第 { $have } 字节续传，而不是第 { $offset } 字节；请从那里发送
blob-hash-mismatch = 内容的哈希值是 { $actual }，而不是 { $hash }；本次上传已丢弃，请重新发送
blob-quota = 本单位没有记录引用附件 { $hash }，而未被引用的上传已有 { $count } 个（{ $bytes } 字节），上限为 { $max_count } 个、{ $max_bytes } 字节；请先同步引用它的记录
blob-not-stored = 附件未能保存，请稍后重试
blob-not-found = 本单位的记录中没有附件 { $hash }
blob-pending = 照片待上传：记录 { $hash } 的设备尚未发送

## Review reads and exports (server/src/api/review.rs, exports.rs; the console's pages)
review-limit = limit 须为 1 到 { $max }
review-bad-after = after 必须是上一页返回的 `next` 值
review-views-behind = 视图尚未覆盖到序号 { $seq }（目前到 { $covered }），请稍后重试
review-partition-failed = { $partition } 的视图未能生成（自序号 { $since } 起）；其记录均已保留——请管理员重启服务器或运行 `firecheck-server rebuild`
review-no-partition = 本单位没有 { $partition }
review-no-venue = 本单位没有场所 { $id }
review-no-hazard = 本单位没有隐患 { $id }
review-no-campaign = 本单位没有专项活动 { $id }
review-no-drill = 本单位没有演练 { $id }
export-unknown = 没有导出文件 { $file }
export-bad-extension = 没有导出文件 { $file }；请用 .csv 或 .xlsx
export-bad-name = 没有导出文件 { $file }；可导出 hazards、inspections 和 coverage

## Added with backups and the other channels (server/src/api/sync.rs)
sync-log-restored = 此服务器已从备份恢复：它的日志不是本设备拉取过的那份（你的游标 #{ $cursor }，它的日志止于 #{ $head }）；两者在 #{ $shared } 之前一致。请从那里重新拉取，并重新发送在那之后已确认的操作——本次请求的内容均未保存
sync-bad-log-header = { $header } 请求头必须是服务器日志的编号（UUID）
reject-case-report-id = 案件编号为 { $case } 的报告必须使用该案件的报告编号 { $report }

## The city platform's intake and the other channels' reads (server/src/api/intake.rs, channels.rs, store/intake.rs)
intake-key-missing = 请以 `Authorization: Bearer <密钥>` 发送本单位的接入密钥
intake-key-revoked = 此接入密钥已被吊销，请向平安办管理员申请新的
intake-key-wrong = 不是有效的接入密钥
intake-too-many-photos = 共 { $count } 张照片，最多接收 { $max } 张
intake-photo-too-large = 第 { $n } 张照片超过 { $mib } MiB，请改为按哈希发送
intake-photo-base64 = 第 { $n } 张照片不是有效的 base64：{ $detail }
intake-photo-type = 第 { $n } 张照片不是 JPEG、PNG、HEIC 或 PDF
intake-photo-either = 第 { $n } 张照片必须给出 sha256 或 base64 之一
intake-catching-up = 服务器正在追赶记录，请稍后重试
intake-not-stored = 服务器暂时无法保存报告，什么都没有保存——请重试
intake-no-case = 这里没有收到过案件 { $case }
visit-at-venue = 场所 { $venue }
visit-at-area = 片区 { $area }
visit-none = { $place } 没有走访记录
review-no-report = 本单位没有市民报告 { $id }
store-too-many-intake-keys = 每个单位最多可有 { $max } 个接入密钥
store-no-intake-key = 本单位没有接入密钥 { $id }
review-offset = offset 最大为 { $max }
review-min-seq = min_seq 最大为 { $max }（日志中的序号）
visit-venue-or-area = 请给出 venue（居民小区场所编号）或 area（片区名称）之一
