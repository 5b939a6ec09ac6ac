//! Network faults between field devices and the server: nothing lost, nothing doubled, and
//! `status` tells the truth throughout.
//!
//! Each device talks to the real server through its own small fault-injecting TCP proxy on
//! loopback (its own flaky network). Per sync request the proxy passes it, delays it, drops
//! the answer after the server committed (forward the request, read the whole answer, close
//! the device's connection without sending it), cuts the request mid-body (the server never
//! gets all of it), cuts the answer mid-body, or sends the request upstream twice at once —
//! chosen at random with a fixed seed per device, so a run is reproducible. A scripted mode
//! plays given faults in order, and "going dark" closes the proxy's listener so that
//! connections are refused (the device cannot tell whether its last request arrived).
//!
//! After every `sync` (whether it succeeded or gave up after its retries) the device's own
//! records are checked against the server's log, pulled from cursor 0:
//! - `status --json` counts equal the outbox's states, and every op typed is in the outbox;
//! - an op shown `acked` is in the server's log exactly once, at the sequence number its ack
//!   named (never acked when the server did not store it);
//! - an op shown `queued` is not on the server (queued means "never left the device");
//! - an op shown `sent` did leave the device (the proxy saw it);
//! - no op is in the server's log twice, and the log's sequence numbers have no gaps.
//!
//! At the end, with the faults off, every typed op is acked and stored exactly once, every
//! device holds exactly the server's log, and all devices show the same hazards. The proxies'
//! logs prove the faults happened: answers dropped after the server accepted the ops, requests
//! and answers cut, requests duplicated (both answers naming the same sequence numbers).
//!
//! Also here, seen from the field: the server's disk full (a real tmpfs, as root; skipped where
//! mount is refused) — the sync is refused with the server's reason, the ops stay queued, and
//! after the disk is cleared and the server restarted they are acked, each stored once.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use firecheck_cli::remote::Remote;
use firecheck_cli::replica::{LocalReplica, OutboxState};
use firecheck_shared::codec::{self, Format};
use firecheck_shared::sync::{AckResult, SyncRequest, SyncResponse};
use firecheck_shared::{DeviceId, OpId};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::util::*;

/// Base seed; device `i` uses `SEED + i`.
const SEED: u64 = 0x5EED_F12E_C4EC_0005;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Fault {
    Pass,
    Delay,
    /// Forward, read the whole answer, close the device's connection without sending it.
    DropAnswer,
    /// Forward the head and part of the body, then close both sides.
    CutRequest,
    /// Forward, then send the device the head and part of the answer's body.
    CutAnswer,
    /// Send the request upstream twice at once; the device gets the second answer.
    Duplicate,
    /// Close the connection unanswered and stop listening: later connections are refused.
    GoDark,
}

/// Weights of the random plan.
const RANDOM: [(Fault, u64); 6] = [
    (Fault::Pass, 30),
    (Fault::Delay, 15),
    (Fault::DropAnswer, 15),
    (Fault::CutRequest, 10),
    (Fault::CutAnswer, 15),
    (Fault::Duplicate, 15),
];

#[derive(Debug)]
enum Plan {
    Clean,
    /// A deck first — the answer to the first push dropped after the server committed,
    /// then every other fault once, shuffled — so each fault surely happens; then weighted
    /// draws from [`RANDOM`].
    Random(VecDeque<Fault>),
    /// These faults in order, then clean.
    Script(VecDeque<Fault>),
}

/// One sync request as the proxy handled it.
#[derive(Debug, Clone)]
struct Exchange {
    fault: Fault,
    pushed: Vec<OpId>,
    /// What the server answered to each copy sent upstream (`None`: no whole 200 answer).
    answers: Vec<Option<SyncResponse>>,
}

#[derive(Debug)]
struct ProxyState {
    plan: Plan,
    rng: SmallRng,
    dark: bool,
    listening: bool,
    stop: bool,
    log: Vec<Exchange>,
}

impl ProxyState {
    fn next_fault(&mut self) -> Fault {
        match &mut self.plan {
            Plan::Clean => Fault::Pass,
            Plan::Script(q) => q.pop_front().unwrap_or(Fault::Pass),
            Plan::Random(deck) => {
                if let Some(f) = deck.pop_front() {
                    return f;
                }
                let total: u64 = RANDOM.iter().map(|(_, w)| w).sum();
                let mut x = self.rng.gen_range(0..total);
                for (f, w) in RANDOM {
                    if x < w {
                        return f;
                    }
                    x -= w;
                }
                Fault::Pass
            }
        }
    }
}

/// A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of `upstream`.
#[derive(Debug)]
struct Proxy {
    url: String,
    state: Arc<Mutex<ProxyState>>,
}

impl Proxy {
    fn start(upstream: SocketAddr, seed: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let state = Arc::new(Mutex::new(ProxyState {
            plan: Plan::Clean,
            rng: SmallRng::seed_from_u64(seed),
            dark: false,
            listening: true,
            stop: false,
            log: Vec::new(),
        }));
        let st = state.clone();
        std::thread::spawn(move || accept_loop(listener, addr, upstream, st));
        Proxy {
            url: format!("http://{addr}"),
            state,
        }
    }

    fn set_plan(&self, plan: Plan) {
        self.state.lock().unwrap().plan = plan;
    }

    fn go_random(&self) {
        let mut s = self.state.lock().unwrap();
        let mut rest = [
            Fault::Pass,
            Fault::Delay,
            Fault::CutRequest,
            Fault::CutAnswer,
            Fault::Duplicate,
        ];
        rest.shuffle(&mut s.rng);
        let mut deck = VecDeque::from([Fault::DropAnswer]);
        deck.extend(rest);
        s.plan = Plan::Random(deck);
    }

    /// Refuse connections (dark) or take them again; returns once the listener follows.
    fn set_dark(&self, dark: bool) {
        self.state.lock().unwrap().dark = dark;
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.state.lock().unwrap().listening == dark {
            assert!(Instant::now() < deadline, "the proxy did not follow");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn log(&self) -> Vec<Exchange> {
        self.state.lock().unwrap().log.clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.lock().unwrap().stop = true;
    }
}

fn accept_loop(
    first: TcpListener,
    addr: SocketAddr,
    upstream: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
) {
    let mut listener = Some(first);
    loop {
        let (stop, dark) = {
            let s = state.lock().unwrap();
            (s.stop, s.dark)
        };
        if stop {
            return;
        }
        if dark && listener.is_some() {
            listener = None; // connections to the port are refused from now on
            state.lock().unwrap().listening = false;
        }
        if !dark && listener.is_none() {
            if let Ok(l) = TcpListener::bind(addr) {
                l.set_nonblocking(true).unwrap();
                listener = Some(l);
                state.lock().unwrap().listening = true;
            }
        }
        match listener.as_ref().map(|l| l.accept()) {
            Some(Ok((client, _))) => {
                let (st, up) = (state.clone(), upstream);
                std::thread::spawn(move || handle(client, up, st));
            }
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

/// One request from the device: its head (through the blank line) and body.
fn read_request(client: &TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut reader = BufReader::new(client);
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" {
            break;
        }
    }
    let len = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0usize);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn header(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head).lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// The head with `Connection: close`, so the server closes after its answer and the device
/// opens a fresh connection for each request.
fn closing(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for l in text.split_inclusive("\r\n") {
        if l == "\r\n" {
            break;
        }
        if !l.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(l);
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

/// Send a request upstream and read the whole answer (the server closes after it).
fn exchange(upstream: SocketAddr, head: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).ok()?;
    up.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    up.write_all(head).ok()?;
    up.write_all(body).ok()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).ok()?;
    Some(answer)
}

fn split_answer(answer: &[u8]) -> Option<(usize, &[u8])> {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some((end, &answer[..end]))
}

/// The sync response in a whole 200 answer.
fn decode_answer(answer: &Option<Vec<u8>>) -> Option<SyncResponse> {
    let answer = answer.as_ref()?;
    let (end, head) = split_answer(answer)?;
    if !head.starts_with(b"HTTP/1.1 200") {
        return None;
    }
    let len: usize = header(head, "content-length")?.parse().ok()?;
    let body = answer.get(end..end + len)?;
    let format = if header(head, "content-type")?.starts_with(codec::BINCODE_MEDIA_TYPE) {
        Format::Bincode
    } else {
        Format::Json
    };
    codec::decode(format, body).ok()
}

fn handle(mut client: TcpStream, upstream: SocketAddr, state: Arc<Mutex<ProxyState>>) {
    let _ = client.set_nonblocking(false);
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Some((head, body)) = read_request(&client) else {
        return;
    };
    let is_sync = head.starts_with(b"POST /v1/sync ");
    let (fault, pause) = {
        let mut s = state.lock().unwrap();
        let f = if is_sync { s.next_fault() } else { Fault::Pass };
        (f, s.rng.gen_range(0..250u64))
    };
    let pushed: Vec<OpId> = if is_sync {
        let format = match header(&head, "content-type") {
            Some(ct) if ct.starts_with(codec::BINCODE_MEDIA_TYPE) => Format::Bincode,
            _ => Format::Json,
        };
        let req: SyncRequest = codec::decode(format, &body).expect("a sync request");
        req.ops.iter().map(|o| o.op_id).collect()
    } else {
        Vec::new()
    };
    let head = closing(&head);
    // First the server side, then the log, then what the device gets: so the log is complete
    // before the device can see its answer (or its absence).
    let mut answers = Vec::new();
    let mut to_device: Option<Vec<u8>> = None;
    match fault {
        Fault::Pass | Fault::Delay => {
            if fault == Fault::Delay {
                std::thread::sleep(Duration::from_millis(50 + pause));
            }
            let a = exchange(upstream, &head, &body);
            to_device = a.clone();
            answers.push(a);
        }
        Fault::DropAnswer => answers.push(exchange(upstream, &head, &body)),
        Fault::CutRequest => {
            let cut = (pause as usize) % body.len().max(1);
            if let Ok(mut up) = TcpStream::connect(upstream) {
                let _ = up.write_all(&head);
                let _ = up.write_all(&body[..cut]);
                let _ = up.shutdown(Shutdown::Both);
            }
            answers.push(None);
        }
        Fault::CutAnswer => {
            let a = exchange(upstream, &head, &body);
            if let Some(bytes) = &a {
                if let Some((end, _)) = split_answer(bytes) {
                    let body_len = bytes.len() - end;
                    let cut = end + (pause as usize) % body_len.max(1);
                    to_device = Some(bytes[..cut].to_vec());
                }
            }
            answers.push(a);
        }
        Fault::Duplicate => {
            let (h2, b2) = (head.clone(), body.clone());
            let twin = std::thread::spawn(move || exchange(upstream, &h2, &b2));
            let first = exchange(upstream, &head, &body);
            let second = twin.join().unwrap();
            to_device = second.clone();
            answers.push(first);
            answers.push(second);
        }
        Fault::GoDark => state.lock().unwrap().dark = true,
    }
    if is_sync {
        let answers = answers.iter().map(decode_answer).collect();
        state.lock().unwrap().log.push(Exchange {
            fault,
            pushed,
            answers,
        });
    }
    if fault == Fault::Delay {
        std::thread::sleep(Duration::from_millis(50 + pause / 2));
    }
    if let Some(bytes) = to_device {
        let _ = client.write_all(&bytes);
        let _ = client.flush();
    }
    let _ = client.shutdown(Shutdown::Both);
}

// ---- the server's log, and the truth about each device --------------------------------------

/// The server's log of the demo organisation, pulled from cursor 0 straight from the server.
#[derive(Debug)]
struct ServerLog {
    /// Where each op is: every sequence number it has (more than one would be a duplicate).
    seqs: HashMap<OpId, Vec<u64>>,
    by_device: HashMap<DeviceId, usize>,
    head: u64,
}

impl ServerLog {
    fn pull(url: &str, token: &str) -> ServerLog {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let remote = Remote::connect(url, None).expect("a client for the test server");
        let (mut seqs, mut by_device): (HashMap<OpId, Vec<u64>>, HashMap<DeviceId, usize>) =
            Default::default();
        let mut cursor = 0;
        loop {
            let resp = rt
                .block_on(remote.sync(
                    token,
                    &SyncRequest {
                        cursor,
                        ops: Vec::new(),
                        limit: 5000,
                        device_time_ms: 0,
                    },
                ))
                .unwrap_or_else(|e| panic!("pulling the server's log: {e}"));
            for (i, op) in resp.ops.iter().enumerate() {
                seqs.entry(op.op_id)
                    .or_default()
                    .push(cursor + 1 + i as u64);
                *by_device.entry(op.device).or_default() += 1;
            }
            assert_eq!(
                resp.cursor,
                cursor + resp.ops.len() as u64,
                "the server's sequence numbers have a gap after {cursor}"
            );
            cursor = resp.cursor;
            if !resp.has_more {
                break;
            }
        }
        let twice: Vec<_> = seqs.iter().filter(|(_, s)| s.len() > 1).collect();
        assert!(twice.is_empty(), "ops stored more than once: {twice:?}");
        ServerLog {
            seqs,
            by_device,
            head: cursor,
        }
    }

    fn seq(&self, id: &OpId) -> Option<u64> {
        self.seqs.get(id).map(|s| s[0])
    }
}

/// A device, its proxy and the ops typed on it.
struct Field {
    phone: Phone,
    proxy: Proxy,
    typed: Vec<OpId>,
}

impl Field {
    fn new(world: &World, name: &str, user: &str, seed: u64) -> Field {
        let proxy = Proxy::start(world.server.addr, seed);
        let phone = Phone::new(world.dir.path(), name, &proxy.url);
        phone.login(user);
        phone.run(&["sync"]);
        Field {
            phone,
            proxy,
            typed: Vec::new(),
        }
    }

    fn outbox(&self) -> Vec<firecheck_cli::replica::OutboxEntry> {
        LocalReplica::open(self.phone.home())
            .and_then(|r| r.outbox())
            .unwrap_or_else(|e| panic!("[{}] reading the outbox: {e}", self.phone.who))
    }

    /// Run one field command that records exactly one op; remember the op.
    fn record(&mut self, args: &[&str]) {
        let before = self.outbox().len();
        self.phone.run(args);
        let after = self.outbox();
        assert_eq!(
            after.len(),
            before + 1,
            "[{}] firecheck {} should record one op",
            self.phone.who,
            args.join(" ")
        );
        self.typed.push(after.last().unwrap().op.op_id);
    }

    /// `sync`, which may give up after its retries (exit 4); whether it succeeded.
    fn sync(&self) -> bool {
        match self.phone.dev.run(&["sync"]) {
            Ok(_) => true,
            Err(e) => {
                assert_eq!(
                    e.exit_code(),
                    4,
                    "[{}] sync failed other than by the network: {e}",
                    self.phone.who
                );
                false
            }
        }
    }

    /// Check `status` and the outbox against the server's log (see the module docs).
    fn check_truth(&self, server: &ServerLog, when: &str) -> BTreeMap<&'static str, usize> {
        let who = format!("[{}] {when}", self.phone.who);
        let status = self.phone.status();
        let outbox = self.outbox();
        let mut count: BTreeMap<&'static str, usize> = BTreeMap::new();
        let left: HashSet<OpId> = self
            .proxy
            .log()
            .iter()
            .flat_map(|x| x.pushed.clone())
            .collect();
        for e in &outbox {
            let id = e.op.op_id;
            let state = match &e.state {
                OutboxState::Queued => {
                    assert_eq!(
                        server.seq(&id),
                        None,
                        "{who}: op #{} shows queued, but the server has it",
                        e.op.device_seq
                    );
                    "queued"
                }
                OutboxState::Sent => {
                    assert!(
                        left.contains(&id),
                        "{who}: op #{} shows sent, but it never left the device",
                        e.op.device_seq
                    );
                    "sent"
                }
                OutboxState::Acked { seq } => {
                    assert_eq!(
                        server.seq(&id),
                        Some(*seq),
                        "{who}: op #{} shows acked at #{seq}, the server disagrees",
                        e.op.device_seq
                    );
                    "acked"
                }
                OutboxState::Rejected { reason, .. } => {
                    panic!("{who}: op #{} rejected: {reason}", e.op.device_seq)
                }
            };
            *count.entry(state).or_default() += 1;
        }
        let ids: Vec<OpId> = outbox.iter().map(|e| e.op.op_id).collect();
        assert_eq!(
            ids, self.typed,
            "{who}: the outbox holds exactly what was typed"
        );
        for k in ["queued", "sent", "acked", "rejected"] {
            assert_eq!(
                status[k].as_u64(),
                Some(count.get(k).copied().unwrap_or(0) as u64),
                "{who}: status says {k} = {}, the outbox disagrees:\n{}",
                status[k],
                pretty(&status)
            );
        }
        count
    }
}

fn count(c: &BTreeMap<&'static str, usize>, k: &str) -> usize {
    c.get(k).copied().unwrap_or(0)
}

/// Ops an inspector records in a round: 1 to 3 of inspections and new premises.
fn record_round(f: &mut Field, rng: &mut SmallRng, round: usize) {
    for i in 0..1 + rng.gen_range(0..3) {
        match rng.gen_range(0..4) {
            0 => f.record(&[
                "inspect",
                &LAOWANG_EBIKE.to_string(),
                "--fail",
                "EB-CHARGE:电瓶在楼道内充电",
                "--pass-all",
            ]),
            1 => f.record(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]),
            2 => f.record(&["inspect", &AFANG_THREE_IN_ONE.to_string(), "--pass-all"]),
            _ => {
                let name = format!("{} 新增商铺 {round}-{i}", f.phone.who);
                let address = format!("清真路 {}号", 100 + round * 10 + i as usize);
                f.record(&[
                    "venue",
                    "add",
                    "--name",
                    &name,
                    "--kind",
                    "street-shop",
                    "--street",
                    "清真路",
                    "--address",
                    &address,
                ]);
            }
        }
    }
}

#[test]
fn random_faults_lose_nothing_double_nothing_and_status_tells_the_truth() {
    let started = Instant::now();
    let world = World::demo();
    let office = token(&world.server.url, "wangfang");
    let devices = [
        ("zhangwei", "zhangwei"),
        ("lina", "lina"),
        ("zhangwei-pad", "zhangwei"),
    ];
    let fields: Vec<Field> = devices
        .iter()
        .enumerate()
        .map(|(i, (name, user))| Field::new(&world, name, user, SEED + i as u64))
        .collect();
    let url = world.server.url.clone();
    const ROUNDS: usize = 8;

    let results: Vec<(Field, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = fields
            .into_iter()
            .enumerate()
            .map(|(i, mut f)| {
                let (url, office) = (url.clone(), office.clone());
                s.spawn(move || {
                    let mut rng = SmallRng::seed_from_u64(SEED ^ (0xF1E1D << i));
                    f.proxy.go_random();
                    let mut failed = 0;
                    for round in 0..ROUNDS {
                        record_round(&mut f, &mut rng, round);
                        let ok = f.sync();
                        failed += usize::from(!ok);
                        let server = ServerLog::pull(&url, &office);
                        let c = f.check_truth(&server, &format!("after sync {round}"));
                        if ok {
                            assert_eq!(
                                (count(&c, "acked"), count(&c, "queued"), count(&c, "sent")),
                                (f.typed.len(), 0, 0),
                                "[{}] after a successful sync everything is acked",
                                f.phone.who
                            );
                        }
                    }
                    (f, failed)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    // The network heals: every device syncs, then once more to pull the others' ops.
    for (f, _) in &results {
        f.proxy.set_plan(Plan::Clean);
        assert!(f.sync(), "[{}] a sync on a clean network", f.phone.who);
    }
    for (f, _) in &results {
        f.phone.run(&["sync"]);
    }
    let server = ServerLog::pull(&url, &office);
    let mut typed_total = 0;
    for (f, _) in &results {
        let c = f.check_truth(&server, "at the end");
        assert_eq!(count(&c, "acked"), f.typed.len(), "[{}]", f.phone.who);
        for id in &f.typed {
            assert!(server.seq(id).is_some(), "[{}] an op was lost", f.phone.who);
        }
        let device: DeviceId = f.phone.status()["device"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            server.by_device.get(&device).copied().unwrap_or(0),
            f.typed.len(),
            "[{}] the server holds exactly the ops typed on this device",
            f.phone.who
        );
        typed_total += f.typed.len();
        let st = f.phone.status();
        assert_eq!(
            (st["cursor"].as_u64(), st["local_ops"].as_u64()),
            (Some(server.head), Some(server.head)),
            "[{}] the replica holds exactly the server's log:\n{}",
            f.phone.who,
            pretty(&st)
        );
    }
    let hazards: Vec<Value> = results
        .iter()
        .map(|(f, _)| f.phone.json(&["hazards"]))
        .collect();
    assert!(
        hazards.windows(2).all(|w| w[0] == w[1]),
        "the devices show different hazards"
    );

    // The faults did happen, and the server told both copies of a request the same thing.
    let mut seen: BTreeMap<Fault, usize> = BTreeMap::new();
    let mut committed_then_dropped = 0;
    let mut retries_answered_duplicate = 0;
    for (f, _) in &results {
        for x in f.proxy.log() {
            *seen.entry(x.fault).or_default() += 1;
            for a in x.answers.iter().flatten() {
                for ack in &a.acks {
                    let seq = match ack.result {
                        AckResult::Accepted { seq } => seq,
                        AckResult::Duplicate { seq } => {
                            retries_answered_duplicate += 1;
                            seq
                        }
                        AckResult::Rejected { .. } => panic!("rejected: {ack:?}"),
                    };
                    assert_eq!(
                        server.seq(&ack.op_id),
                        Some(seq),
                        "an answer named a sequence number the log does not have: {ack:?}"
                    );
                }
            }
            if x.fault == Fault::DropAnswer {
                let accepted = x.answers.iter().flatten().any(|a| {
                    a.acks
                        .iter()
                        .any(|k| matches!(k.result, AckResult::Accepted { .. }))
                });
                committed_then_dropped += usize::from(accepted);
            }
        }
    }
    for f in [
        Fault::Delay,
        Fault::DropAnswer,
        Fault::CutRequest,
        Fault::CutAnswer,
        Fault::Duplicate,
    ] {
        assert!(
            seen.get(&f).copied().unwrap_or(0) > 0,
            "fault {f:?} never happened: {seen:?}"
        );
    }
    assert!(
        committed_then_dropped > 0,
        "no answer was dropped after the server accepted ops"
    );
    assert!(retries_answered_duplicate > 0);
    let failed: usize = results.iter().map(|(_, n)| n).sum();
    eprintln!(
        "faults: {} devices, {typed_total} ops typed, all acked once; faults {seen:?}; {committed_then_dropped} answers dropped after commit; {failed} syncs gave up; {:.1} s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_lost_answer_shows_as_sent_until_a_retry_is_acked() {
    let world = World::demo();
    let office = token(&world.server.url, "wangfang");
    let mut f = Field::new(&world, "zhangwei", "zhangwei", SEED + 100);
    let url = world.server.url.clone();

    // Two records; the server takes them, the answer is lost, then the network goes.
    f.record(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-EXIT:后门堵塞",
        "--pass-all",
    ]);
    f.record(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]);
    f.proxy
        .set_plan(Plan::Script([Fault::DropAnswer, Fault::GoDark].into()));
    assert!(!f.sync(), "the sync cannot finish");
    let server = ServerLog::pull(&url, &office);
    let c = f.check_truth(&server, "after the lost answer");
    assert_eq!(
        (count(&c, "sent"), count(&c, "queued"), count(&c, "acked")),
        (2, 0, 0),
        "the server stored them but the device never heard: sent, not acked, not queued"
    );
    let log = f.proxy.log();
    let first: Vec<u64> = log[0].answers[0]
        .as_ref()
        .expect("the server answered the first request")
        .acks
        .iter()
        .map(|a| match a.result {
            AckResult::Accepted { seq } => seq,
            ref r => panic!("{r:?}"),
        })
        .collect();
    for (id, seq) in f.typed.iter().zip(&first) {
        assert_eq!(server.seq(id), Some(*seq), "stored at once, exactly once");
    }

    // A third record while the network is down: it never leaves; the two stay sent.
    f.record(&["inspect", &AFANG_THREE_IN_ONE.to_string(), "--pass-all"]);
    assert!(!f.sync());
    let c = f.check_truth(&ServerLog::pull(&url, &office), "with no network");
    assert_eq!(
        (count(&c, "sent"), count(&c, "queued"), count(&c, "acked")),
        (2, 1, 0)
    );

    // The network is back: all three acked, the first two at the sequence numbers the lost
    // answer carried.
    f.proxy.set_dark(false);
    f.proxy.set_plan(Plan::Clean);
    assert!(f.sync());
    let server = ServerLog::pull(&url, &office);
    let c = f.check_truth(&server, "after the network came back");
    assert_eq!(count(&c, "acked"), 3);
    for (e, seq) in f.outbox().iter().zip(&first) {
        assert_eq!(e.state, OutboxState::Acked { seq: *seq });
    }
}

/// A tmpfs of its own (as root), unmounted on drop; `None` where mounting is refused.
struct TinyDisk {
    mnt: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount() -> Option<TinyDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs"])
            .arg(&mnt)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then_some(TinyDisk { mnt, _dir: dir })
    }

    /// Take every free byte.
    fn fill(&self) {
        let mut f = std::fs::File::create(self.mnt.join("filler")).unwrap();
        for size in [64 * 1024, 4096, 512, 1] {
            let chunk = vec![0u8; size];
            while f.write_all(&chunk).is_ok() {}
        }
    }

    fn clear(&self) {
        std::fs::remove_file(self.mnt.join("filler")).unwrap();
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        for _ in 0..50 {
            let ok = std::process::Command::new("umount")
                .arg(&self.mnt)
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.mnt)
            .status();
    }
}

/// Disk trouble seen from the field (the server side is `server/tests/api/disk.rs`): the
/// server's disk is full, the sync is refused (503, retried, then given up with the server's
/// reason), the ops stay queued — not sent, not acked — and nothing of them is on the server;
/// once there is room again (and the server restarted: sled keeps its write error until it
/// is reopened) the same ops are acked, each stored exactly once.
#[test]
fn a_full_server_disk_keeps_the_ops_queued_on_the_device() {
    let Some(disk) = TinyDisk::mount() else {
        eprintln!("faults::a_full_server_disk: SKIPPED — cannot mount a tmpfs here (run as root)");
        return;
    };
    let data = disk.mnt.join("data");
    let world = World {
        server: firecheck_server::testing::TestServer::start(
            &data,
            "127.0.0.1:0".parse().unwrap(),
            true,
        ),
        dir: tempfile::tempdir().unwrap(),
    };
    let office = token(&world.server.url, "wangfang");
    let url = world.server.url.clone();
    let mut f = Field::new(&world, "zhangwei", "zhangwei", SEED + 200);
    f.record(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:飞线充电",
        "--pass-all",
    ]);
    f.record(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]);

    // Fill the disk to the last byte. A write may still land in a page the server's database
    // already holds — what is acked then is stored — but within a few syncs it runs out.
    disk.fill();
    let mut refused = None;
    for _ in 0..10 {
        match f.phone.dev.run(&["sync"]) {
            Ok(_) => {
                let c = f.check_truth(&ServerLog::pull(&url, &office), "a sync that fit");
                assert_eq!(count(&c, "acked"), f.typed.len());
                f.record(&["inspect", &AFANG_THREE_IN_ONE.to_string(), "--pass-all"]);
            }
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let e = refused.expect("a sync against a full disk fails within 10 tries");
    let msg = e.to_string();
    assert!(
        msg.contains("503") && msg.contains("No space left"),
        "the device is told why: {msg}"
    );
    let c = f.check_truth(
        &ServerLog::pull(&url, &office),
        "with the server's disk full",
    );
    let waiting = count(&c, "queued");
    assert!(
        waiting > 0 && count(&c, "sent") == 0 && count(&c, "acked") + waiting == f.typed.len(),
        "refused outright: the ops not acked stay queued, not sent: {c:?}"
    );

    disk.clear();
    let mut world = world;
    world.server.stop();
    world.server.restart();
    assert!(f.sync());
    let server = ServerLog::pull(&url, &office);
    let c = f.check_truth(&server, "after the disk was cleared");
    assert_eq!(count(&c, "acked"), f.typed.len());
    drop(world);
}
