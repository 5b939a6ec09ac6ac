
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
