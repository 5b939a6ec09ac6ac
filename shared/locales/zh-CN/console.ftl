
## The office console (server/src/console/): Chinese by default (see ARCHITECTURE.md)
console-form-no-id = 表单缺少有效的编号，请刷新页面
console-form-too-old = 表单已过期，请刷新页面后重新提交
console-op-rejected = 服务器未接受：{ $reason }
console-required = { $what }不能为空
console-bad-due = 整改期限应为日期（YYYY-MM-DD）
console-close-reason = 关闭理由
console-reopen-reason = 重新打开的理由
console-unknown-action = 未知的操作 { $action }
console-role-may-not =
    { $role ->
        [inspector] 巡查员
        [officer] 平安办
       *[admin] 管理员
    }角色无权办理隐患
console-action-found = 发现
console-action-found-again = 再次发现
console-action-passed = 复查合格
console-action-dispatched = 交办
console-dispatched-detail = 交办 { $unit }，限 { $due } 前整改
console-dispatched-detail-note = 交办 { $unit }，限 { $due } 前整改；{ $note }
console-action-fixed = 报告整改完成
console-fixed-detail = { $note }（附照片 { $photos } 张）
console-action-closed = 关闭
console-action-comment = 备注
console-action-replied = 答复市民
console-action-linked = 并入
console-linked-detail = 并入隐患 { $hazard }
console-action-corrected = 检查更正

## The console's error pages and notices (server/src/console/mod.rs, session.rs, assets.rs, hazard.rs)
page-error-title = 页面出错
page-render-failed = 页面生成失败，请稍后再试；管理员可在服务器日志中查看原因。
page-not-found-title = 找不到
page-not-found = 没有这条记录，或它不属于本单位。
page-forbidden-title = 无权操作
page-forbidden = 只有平安办工作人员（officer）可以办理隐患；巡查员可以查看。
page-bad-input-title = 输入有误
page-bad-input = 请检查后重试：{ $detail }
page-unavailable-title = 暂时无法处理
page-unavailable = 服务器暂时无法完成，请稍后重试；什么都没有被记录两次。
page-server-error = 服务器出错，请稍后再试。
page-no-file = 没有这个文件。
page-photo-pending-title = 照片尚未上传
page-photo-pending = 记录这张照片的设备还没有把它传上来；设备同步后即可查看。
page-csrf-title = 表单已失效
page-csrf = 这个表单不是本次登录打开的（或已过期），什么都没有办理。请返回重新打开页面后再提交。
console-form-again = 这个表单已经提交过，没有重复办理。
console-form-done = 已办理，记录已写入。
console-login-expired = 登录已过期，请重新登录。
console-login-form-stale = 登录表单已失效，请重新输入。
console-device-name = 网页控制台
console-evacuation = { $mins } 分 { $secs } 秒
console-period = { $from } 至 { $to }
console-login-too-long = 用户名或密码太长。
console-login-locked = 登录失败次数过多，请 { $secs } 秒后再试。
console-login-wrong = 用户名或密码不正确。
console-action-line = { $what }：{ $detail }
console-finding-done = 已记录，这一点作为隐患跟踪整改。
console-finding-again = 这个表单已经提交过，没有重复记录。
console-finding-exists = 这一点已经作为隐患跟踪，没有重复记录。
