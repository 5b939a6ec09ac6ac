//! An inspector who reads Chinese: a whole session — log in, sync, the night's inspection
//! offline with the server stopped, the hazards it opened, a hazard's history, the status,
//! the sync back — every line the client prints is Chinese (known Chinese sentences present,
//! their English counterparts absent), while `--json` keeps the same keys and codes as in
//! English. The server answers in Chinese too: the client asks in its language.

use firecheck_shared::i18n::Lang;

use crate::util::*;

/// The English sentences a Chinese session must never show.
const ENGLISH: [&str; 14] = [
    "logged in as",
    "sync: sent",
    "saved offline",
    "waiting to sync",
    "opens hazard",
    "inspection ",
    " pass, ",
    "venues",
    "hazards",
    "history:",
    "outbox:",
    "last successful sync",
    "local replica",
    "found:",
];

fn chinese_only(what: &str, shown: &str, present: &[&str]) {
    for p in present {
        assert!(shown.contains(p), "{what}: {p:?} missing from:\n{shown}");
    }
    for e in ENGLISH {
        assert!(!shown.contains(e), "{what}: English {e:?} in:\n{shown}");
    }
}

#[test]
fn an_inspector_with_a_chinese_locale_reads_chinese_from_login_to_sync() {
    let mut w = World::demo();
    let mut zhang = Phone::new(w.dir.path(), "zhangwei", &w.server.url);
    zhang.dev.lang = Lang::Zh;

    let out = zhang.login("zhangwei");
    chinese_only(
        "login",
        &out,
        &["已登录：", "巡查员", "条待同步", "firecheck sync"],
    );
    let out = zhang.run(&["sync"]);
    chinese_only("sync", &out, &["同步：发送 0，确认 0，被拒 0，拉取"]);

    // Offline: the server is really stopped.
    w.server.stop();
    let out = zhang.run(&["venues", "--street", "小木桥路"]);
    chinese_only(
        "venues",
        &out,
        &[
            "编号",
            "名称",
            "类型",
            "街道",
            "地址",
            "电动车销售维修点",
            "共 ",
        ],
    );

    let out = zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:电池在店内楼梯下充电",
        "--pass-all",
    ]);
    chinese_only(
        "inspect",
        &out,
        &[
            "检查记录 ",
            "合格 ",
            "不合格 1 项",
            "新发现隐患",
            "EB-CHARGE",
            "已离线保存，1 条待同步",
        ],
    );

    let out = zhang.run(&["hazards", "--open"]);
    chinese_only(
        "hazards",
        &out,
        &["状态", "严重程度", "责任单位", "待交办", "个隐患"],
    );

    let hazards = zhang.hazards();
    let id = only_hazard(&hazards, "EB-CHARGE", "zhangwei's hazards")["hazard"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = zhang.run(&["hazard", "show", &id]);
    chinese_only(
        "hazard show",
        &out,
        &[
            "隐患 ",
            "[待交办]",
            "场所：",
            "检查项：",
            "处理经过：",
            "发现：电池在店内楼梯下充电",
        ],
    );

    // An office action an inspector may not take: refused in Chinese, exit 6.
    let e = zhang.fail(&["hazard", "close", &id, "--reason", "已整改"], 6);
    let said = e.render(Lang::Zh);
    assert!(said.contains("巡查员角色无权"), "{said}");

    let out = zhang.run(&["status"]);
    chinese_only(
        "status",
        &out,
        &[
            "张伟",
            "巡查员",
            "发件箱：1 条排队",
            "上次成功同步：",
            "本地副本：",
        ],
    );
    // The same keys as in English.
    let zh_keys: Vec<String> = zhang
        .status()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    zhang.dev.lang = Lang::En;
    let en_keys: Vec<String> = zhang
        .status()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(zh_keys, en_keys);
    zhang.dev.lang = Lang::Zh;

    // While the server is down: exit 4, in Chinese, the op still queued.
    let e = zhang.fail(&["sync"], 4);
    let said = e.render(Lang::Zh);
    assert!(
        said.contains("无法连接服务器") && said.contains("仍在队列中"),
        "{said}"
    );

    w.server.restart();
    let out = zhang.run(&["sync"]);
    chinese_only("sync back", &out, &["同步：发送 1，确认 1，被拒 0"]);
}

#[test]
fn an_english_reader_sees_no_chinese_prose_only_data() {
    let w = World::demo();
    let zhang = w.phone("zhangwei", "zhangwei");
    zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:电池在店内楼梯下充电",
        "--pass-all",
    ]);
    let out = zhang.run(&["hazards"]);
    // Rows hold data (venue names, streets); the words around them are English.
    assert!(out.contains("STATUS") && out.contains("hazards"), "{out}");
    for zh in ["状态", "共 ", "隐患", "待交办"] {
        assert!(!out.contains(zh), "{zh} in:\n{out}");
    }
    let out = zhang.run(&["status"]);
    for zh in ["发件箱", "巡查员", "未登录"] {
        assert!(!out.contains(zh), "{zh} in:\n{out}");
    }
}
