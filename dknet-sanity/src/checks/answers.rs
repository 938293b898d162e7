//! `answers.*`: the form of every answer, unknown methods, bodies dockerd may send broken.

use std::collections::BTreeMap;

use crate::catalog::{ANSWER_SHAPE, BAD_BODY, UNKNOWN_METHOD};
use crate::report::{CheckResult, Outcome};
use crate::session::Session;
use crate::shape::check_answer;
use crate::wire::Reply;

/// `answers.unknown-method`.
pub(crate) async fn unknown_method(session: &Session) -> CheckResult {
    let mut methods = Vec::new();
    if session.subsystems.network() {
        methods.push("NetworkDriver.DknetSanityNoSuchMethod");
    }
    if session.subsystems.ipam() {
        methods.push("IpamDriver.DknetSanityNoSuchMethod");
    }
    for method in &methods {
        let reply = session.wire.call_raw(method, b"{}\n").await;
        if !reply.not_found() {
            return CheckResult::new(&UNKNOWN_METHOD, Outcome::Fail, reply.describe());
        }
    }
    CheckResult::new(
        &UNKNOWN_METHOD,
        Outcome::Pass,
        format!("404 for {}", methods.join(", ")),
    )
}

/// `answers.bad-body`.
pub(crate) async fn bad_body(session: &Session) -> CheckResult {
    let mut methods = Vec::new();
    if session.subsystems.network() {
        methods.extend([
            "NetworkDriver.CreateNetwork",
            "NetworkDriver.CreateEndpoint",
            "NetworkDriver.Join",
        ]);
    }
    if session.subsystems.ipam() {
        methods.extend([
            "IpamDriver.RequestPool",
            "IpamDriver.RequestAddress",
            "IpamDriver.ReleaseAddress",
        ]);
    }
    let bodies: [(&str, &[u8]); 3] = [
        ("an empty body", b""),
        ("text", b"not json\n"),
        ("a JSON list", b"[]\n"),
    ];
    let mut problems = Vec::new();
    for method in &methods {
        for (what, body) in bodies {
            let reply = session.wire.call_raw(method, body).await;
            let refused = matches!(reply.status(), Some(status) if !(200..300).contains(&status));
            let with_err = reply.answer.as_ref().ok().and_then(|r| r.err()).is_some();
            if !refused || !with_err {
                problems.push(format!("{what}: {}", reply.describe()));
            }
        }
    }
    let alive = session.wire.call("Plugin.Activate", None).await;
    if !alive.succeeded() {
        problems.push(format!("then Plugin.Activate: {}", alive.describe()));
    }
    if problems.is_empty() {
        let found = format!(
            "{} bad bodies refused with {{\"Err\"}}; the plugin kept serving",
            methods.len() * 3
        );
        CheckResult::new(&BAD_BODY, Outcome::Pass, found)
    } else {
        CheckResult::new(&BAD_BODY, Outcome::Fail, summary(&problems))
    }
}

/// The methods `handshake.*` judges.
const HANDSHAKE: [&str; 4] = [
    "Plugin.Activate",
    "NetworkDriver.GetCapabilities",
    "IpamDriver.GetCapabilities",
    "IpamDriver.GetDefaultAddressSpaces",
];

/// `answers.shape`, over every answer of the run but the handshake's and the probes'.
pub(crate) fn shape(log: &[Reply]) -> CheckResult {
    let mut problems: BTreeMap<String, String> = BTreeMap::new();
    let mut seen = 0;
    let judged_elsewhere = |r: &&Reply| r.raw || HANDSHAKE.contains(&r.method.as_str());
    for reply in log.iter().filter(|r| !judged_elsewhere(r)) {
        let Ok(response) = &reply.answer else {
            continue;
        };
        seen += 1;
        let problem = match response.status {
            200 => match response.json() {
                Ok(body) => check_answer(&reply.method, &body).err(),
                Err(_) if response.body.is_empty() => Some("200 with an empty body".to_owned()),
                Err(_) => Some("200 with a body that is not JSON".to_owned()),
            },
            404 => None,
            status if (200..300).contains(&status) => {
                Some(format!("{status}: only 200 is success"))
            }
            status => match response.err() {
                Some(_) => None,
                None => Some(format!("{status} without {{\"Err\": \"message\"}}")),
            },
        };
        if let Some(problem) = problem {
            problems
                .entry(reply.method.clone())
                .or_insert_with(|| format!("{problem} ({})", reply.describe()));
        }
    }
    if problems.is_empty() {
        CheckResult::new(
            &ANSWER_SHAPE,
            Outcome::Pass,
            format!("{seen} answers, all as dockerd decodes them"),
        )
    } else {
        let list: Vec<_> = problems.values().cloned().collect();
        CheckResult::new(&ANSWER_SHAPE, Outcome::Fail, summary(&list))
    }
}

/// The first few problems, and how many more.
pub(crate) fn summary(problems: &[String]) -> String {
    let mut text = problems
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > 3 {
        text.push_str(&format!(" (and {} more)", problems.len() - 3));
    }
    text
}
