//! The answers of one function that decides origins, kept per origin, and the lookups that
//! fill them. Free of any web framework's types: an adapter hands in the lookup to run.
//!
//! - An answer stays fresh for [`fresh_for`] (a failure for at most a second), then
//!   the next request for that origin asks again.
//! - Granted and refused origins are kept in two bounded tables, each emptied oldest first:
//!   a flood of distinct refused origins never pushes a tenant's grant out, and memory
//!   stays below a fixed bound.
//! - Concurrent requests for one origin, on any worker, share one lookup: the first runs
//!   it, the others wait for its answer. When the first goes away before the answer (its
//!   client left), a waiter runs the lookup instead.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// What the application's function answered for one origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The origin is granted.
    Granted,
    /// The origin is refused.
    Refused,
    /// It failed (an error, a panic, a timeout): nothing is granted. Why, for the log and
    /// the debug header.
    Failed(Arc<str>),
}

impl Decision {
    /// Whether it grants the origin.
    pub fn granted(&self) -> bool {
        *self == Decision::Granted
    }
}

/// A lookup in progress, as an adapter whose futures stay on one thread starts it.
pub type Pending = Pin<Box<dyn Future<Output = Decision>>>;

/// A lookup in progress, as an adapter whose futures move between threads starts it.
pub type SendPending = Pin<Box<dyn Future<Output = Decision> + Send>>;

/// How an adapter starts a lookup, again if the request that ran it went away.
pub trait Start: Unpin {
    /// The lookup in progress.
    type Pending: Future<Output = Decision> + Unpin;
    /// Starts the lookup.
    fn start(&self) -> Self::Pending;
}

/// How an adapter whose futures stay on one thread starts a lookup.
pub struct LocalStart(pub Box<dyn Fn() -> Pending>);

impl Start for LocalStart {
    type Pending = Pending;
    fn start(&self) -> Pending {
        (self.0)()
    }
}

/// How an adapter whose futures move between threads starts a lookup.
pub struct SendStart(pub Box<dyn Fn() -> SendPending + Send + Sync>);

impl Start for SendStart {
    type Pending = SendPending;
    fn start(&self) -> SendPending {
        (self.0)()
    }
}

static FRESH_FOR_MS: AtomicU64 = AtomicU64::new(30_000);
static TIMEOUT_MS: AtomicU64 = AtomicU64::new(2_000);

/// How long an asynchronous function's answer for an origin is kept.
pub fn fresh_for() -> Duration {
    Duration::from_millis(FRESH_FOR_MS.load(Ordering::Relaxed))
}

/// Sets how long an asynchronous function's answer for an origin is kept (30 s unless
/// set), for answers given from now on. `Duration::ZERO` asks on every request (still one
/// lookup for concurrent requests of one origin).
///
/// ```
/// use std::time::Duration;
///
/// cors_core::answers::set_fresh_for(Duration::from_secs(5));
/// assert_eq!(cors_core::answers::fresh_for(), Duration::from_secs(5));
/// ```
pub fn set_fresh_for(fresh_for: Duration) {
    let millis = u64::try_from(fresh_for.as_millis()).unwrap_or(u64::MAX);
    FRESH_FOR_MS.store(millis, Ordering::Relaxed);
}

/// How long an asynchronous function may take before its origin is refused.
pub fn timeout() -> Duration {
    Duration::from_millis(TIMEOUT_MS.load(Ordering::Relaxed))
}

/// Sets how long an asynchronous function may take (2 s unless set), for lookups started
/// from now on. A lookup that takes longer grants nothing.
///
/// ```
/// use std::time::Duration;
///
/// cors_core::answers::set_timeout(Duration::from_millis(500));
/// assert_eq!(cors_core::answers::timeout(), Duration::from_millis(500));
/// ```
pub fn set_timeout(timeout: Duration) {
    let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    TIMEOUT_MS.store(millis, Ordering::Relaxed);
}

/// What a function that decides origins may return: `bool`, or `Result<bool, E>` whose
/// error (shown with `Display`) refuses the origin and is logged.
pub trait OriginAnswer {
    /// The answer, or why there is none.
    #[doc(hidden)]
    fn into_answer(self) -> Result<bool, String>;
}

impl OriginAnswer for bool {
    fn into_answer(self) -> Result<bool, String> {
        Ok(self)
    }
}

impl<E: std::fmt::Display> OriginAnswer for Result<bool, E> {
    fn into_answer(self) -> Result<bool, String> {
        self.map_err(|error| format!("it returned an error: {error}"))
    }
}

/// The decision of a function's answer.
pub fn decision(answer: Result<bool, String>) -> Decision {
    match answer {
        Ok(true) => Decision::Granted,
        Ok(false) => Decision::Refused,
        Err(why) => Decision::Failed(why.into()),
    }
}

/// How long a failure is kept: long enough that a flood for one origin during an outage
/// asks the store once a second, short enough that the store's recovery is seen at once.
const FAILURE_FRESH_FOR: Duration = Duration::from_secs(1);

/// The most granted origins kept. A tenant beyond it is asked about again, never refused.
pub const GRANTED_KEPT: usize = 10_000;

/// The most refused origins kept.
pub const REFUSED_KEPT: usize = 4_096;

/// The answers of one function.
#[derive(Default)]
pub struct Answers {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<Arc<str>, Entry>,
    /// Granted origins, oldest first, with the `serial` of the entry they were kept for.
    granted: VecDeque<(Arc<str>, u64)>,
    /// Refused and failed origins, likewise.
    refused: VecDeque<(Arc<str>, u64)>,
    next_serial: u64,
}

enum Entry {
    Known {
        decision: Decision,
        until: Instant,
        serial: u64,
    },
    /// A lookup runs; these wait for its answer.
    Asking { waiting: Vec<Waker> },
}

/// What [`Answers::ask`] found.
pub enum Found {
    /// A fresh answer.
    Known(Decision),
    /// None: the caller runs the lookup and must [`Lookup::lead`] it.
    Lead,
    /// Another request runs the lookup.
    Wait,
}

impl Answers {
    fn state(&self) -> MutexGuard<'_, State> {
        // Every change below leaves the tables whole before anything can panic.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The fresh answer for `origin`, or who looks it up. `Lead` marks the origin as being
    /// asked about, so later callers wait.
    pub fn ask(&self, origin: &str) -> Found {
        let mut state = self.state();
        match state.entries.get(origin) {
            Some(Entry::Known {
                decision, until, ..
            }) if Instant::now() < *until => Found::Known(decision.clone()),
            Some(Entry::Asking { .. }) => Found::Wait,
            _ => state.lead(origin),
        }
    }

    /// Keeps the lookup's answer for `origin` and wakes those waiting for it.
    fn settle(&self, origin: &str, decision: Decision, fresh_for: Duration) {
        let mut state = self.state();
        let serial = state.next_serial;
        state.next_serial += 1;
        let fresh_for = match decision {
            Decision::Failed(_) => fresh_for.min(FAILURE_FRESH_FOR),
            _ => fresh_for,
        };
        let granted = decision.granted();
        let key: Arc<str> = origin.into();
        let previous = state.entries.insert(
            Arc::clone(&key),
            Entry::Known {
                decision,
                until: Instant::now() + fresh_for,
                serial,
            },
        );
        let (queue, kept) = if granted {
            (&mut state.granted, GRANTED_KEPT)
        } else {
            (&mut state.refused, REFUSED_KEPT)
        };
        queue.push_back((key, serial));
        let evicted = (queue.len() > kept).then(|| queue.pop_front()).flatten();
        if let Some((old, old_serial)) = evicted {
            // Only if that entry was not answered again since.
            if matches!(state.entries.get(&old), Some(Entry::Known { serial, .. }) if *serial == old_serial)
            {
                state.entries.remove(&old);
            }
        }
        drop(state);
        wake_all(previous);
    }

    /// Gives up the lookup for `origin` without an answer: a waiter runs it instead.
    pub fn abandon(&self, origin: &str) {
        let previous = {
            let mut state = self.state();
            match state.entries.get(origin) {
                Some(Entry::Asking { .. }) => state.entries.remove(origin),
                _ => None,
            }
        };
        wake_all(previous);
    }

    /// For a waiter: the answer once there is one; `Lead` when the lookup was given up.
    fn poll_wait(&self, origin: &str, cx: &mut Context<'_>) -> Poll<Found> {
        let mut state = self.state();
        match state.entries.get_mut(origin) {
            Some(Entry::Known { decision, .. }) => Poll::Ready(Found::Known(decision.clone())),
            Some(Entry::Asking { waiting }) => {
                if !waiting.iter().any(|waker| waker.will_wake(cx.waker())) {
                    waiting.push(cx.waker().clone());
                }
                Poll::Pending
            }
            None => Poll::Ready(state.lead(origin)),
        }
    }

    /// How many origins are kept, granted and refused.
    #[cfg(test)]
    fn kept(&self) -> (usize, usize) {
        let state = self.state();
        (state.granted.len(), state.refused.len())
    }
}

impl State {
    /// Marks `origin` as being asked about, by the caller: later callers wait for it.
    fn lead(&mut self, origin: &str) -> Found {
        let asking = Entry::Asking {
            waiting: Vec::new(),
        };
        self.entries.insert(origin.into(), asking);
        Found::Lead
    }
}

fn wake_all(entry: Option<Entry>) {
    if let Some(Entry::Asking { waiting }) = entry {
        waiting.into_iter().for_each(Waker::wake);
    }
}

/// One request's wait for the answer about its origin: it runs the lookup, or waits for
/// the request that does. It never fails: a failure is a [`Decision::Failed`].
pub struct Lookup<St: Start> {
    answers: &'static Answers,
    origin: Arc<str>,
    /// Starts the lookup, when this request must run it.
    start: St,
    fresh_for: Duration,
    timeout: Duration,
    step: Step<St::Pending>,
    /// Whether this request ran the lookup (or began to).
    led: bool,
}

enum Step<P> {
    Leading {
        pending: P,
        deadline: Pin<Box<tokio::time::Sleep>>,
    },
    Waiting,
    Done,
}

impl<St: Start> Lookup<St> {
    /// A lookup this request runs (after [`Found::Lead`]).
    pub fn lead(
        answers: &'static Answers,
        origin: &str,
        start: St,
        fresh_for: Duration,
        timeout: Duration,
    ) -> Lookup<St> {
        let mut lookup = Lookup::wait(answers, origin, start, fresh_for, timeout);
        lookup.begin();
        lookup
    }

    /// A wait for the request that runs the lookup (after [`Found::Wait`]).
    pub fn wait(
        answers: &'static Answers,
        origin: &str,
        start: St,
        fresh_for: Duration,
        timeout: Duration,
    ) -> Lookup<St> {
        Lookup {
            answers,
            origin: origin.into(),
            start,
            fresh_for,
            timeout,
            step: Step::Waiting,
            led: false,
        }
    }

    /// The origin it is about.
    pub fn origin(&self) -> Arc<str> {
        Arc::clone(&self.origin)
    }

    /// Whether this request ran the lookup, rather than waiting for another's answer.
    pub fn led(&self) -> bool {
        self.led
    }

    fn begin(&mut self) {
        self.led = true;
        self.step = Step::Leading {
            pending: self.start.start(),
            deadline: Box::pin(tokio::time::sleep(self.timeout)),
        };
    }

    fn finish(&mut self, decision: Decision) -> Poll<Decision> {
        self.step = Step::Done;
        self.answers
            .settle(&self.origin, decision.clone(), self.fresh_for);
        Poll::Ready(decision)
    }
}

impl<St: Start> Future for Lookup<St> {
    type Output = Decision;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Decision> {
        let this = self.get_mut();
        loop {
            match &mut this.step {
                Step::Waiting => match this.answers.poll_wait(&this.origin, cx) {
                    Poll::Ready(Found::Known(decision)) => {
                        this.step = Step::Done;
                        return Poll::Ready(decision);
                    }
                    Poll::Ready(_) => this.begin(),
                    Poll::Pending => return Poll::Pending,
                },
                Step::Leading { pending, deadline } => {
                    // A panic inside the application's function fails this origin closed;
                    // the future is never polled again.
                    match catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *pending).poll(cx))) {
                        Ok(Poll::Ready(decision)) => return this.finish(decision),
                        Err(panic) => {
                            let why = format!("it panicked: {}", panic_message(&*panic));
                            return this.finish(Decision::Failed(why.into()));
                        }
                        Ok(Poll::Pending) => {}
                    }
                    if deadline.as_mut().poll(cx).is_ready() {
                        let why = format!("it did not answer within {:?}", this.timeout);
                        return this.finish(Decision::Failed(why.into()));
                    }
                    return Poll::Pending;
                }
                Step::Done => panic!("a lookup polled after its answer"),
            }
        }
    }
}

impl<St: Start> Drop for Lookup<St> {
    fn drop(&mut self) {
        if matches!(self.step, Step::Leading { .. }) {
            self.answers.abandon(&self.origin);
        }
    }
}

/// The message of a panic's payload, as `std` prints it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

/// The kept answers of the function `function` over the store `store` (0 for none): one
/// table for every policy naming that function in applications with that store, made on
/// first use and kept for the rest of the program.
pub fn of_function(function: std::any::TypeId, store: usize) -> &'static Answers {
    type Kept = Vec<((std::any::TypeId, usize), &'static Answers)>;
    static KEPT: Mutex<Kept> = Mutex::new(Vec::new());
    let key = (function, store);
    let mut kept = KEPT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, answers)) = kept.iter().find(|(kept_key, _)| *kept_key == key) {
        return answers;
    }
    let answers: &'static Answers = Box::leak(Box::default());
    kept.push((key, answers));
    answers
}

/// What asking a function gave: a synchronous function's answer, or how to start an
/// asynchronous function's lookup.
pub enum Asked<St> {
    /// The answer, or why there is none.
    Now(Result<bool, String>),
    /// How to run the lookup.
    Later(St),
}

/// The answer about one request's origin, which the policy's bound covers.
pub enum Verdict<St: Start> {
    /// Known now.
    Now(Decided),
    /// To be looked up: [`finish`] it.
    Later(Box<Lookup<St>>),
}

/// Granted, or refused with why when the function failed.
pub type Decided = Result<(), Option<Arc<str>>>;

/// Asks the function `name` about `origin` (inside the bound): a synchronous function now
/// (`ask`), an asynchronous one through its kept `answers`. `ask` is the adapter's binding
/// of the function to its request; a panic in it fails the origin closed.
pub fn verdict<St: Start>(
    name: &str,
    is_async: bool,
    answers: &'static Answers,
    origin: &[u8],
    ask: impl FnOnce(&str) -> Asked<St>,
) -> Verdict<St> {
    // The bound covered it, so it is visible ASCII: valid UTF-8, which `from_utf8` checks a
    // word at a time.
    let Ok(origin) = std::str::from_utf8(origin) else {
        return Verdict::Now(Err(None));
    };
    let ask = |origin: &str| {
        catch_unwind(AssertUnwindSafe(|| ask(origin))).unwrap_or_else(|panic| {
            Asked::Now(Err(format!("it panicked: {}", panic_message(&*panic))))
        })
    };
    if !is_async {
        let answer = match ask(origin) {
            Asked::Now(answer) => answer,
            Asked::Later(_) => Err("it is not synchronous".to_owned()),
        };
        return Verdict::Now(logged(name, origin, decision(answer), true));
    }
    let found = answers.ask(origin);
    if let Found::Known(decision) = found {
        return Verdict::Now(logged(name, origin, decision, false));
    }
    match ask(origin) {
        Asked::Later(start) => {
            let lookup = match found {
                Found::Lead => Lookup::lead(answers, origin, start, fresh_for(), timeout()),
                _ => Lookup::wait(answers, origin, start, fresh_for(), timeout()),
            };
            Verdict::Later(Box::new(lookup))
        }
        Asked::Now(answer) => {
            // The application lacks the function's data: nothing to look up.
            if matches!(found, Found::Lead) {
                answers.abandon(origin);
            }
            Verdict::Now(logged(name, origin, decision(answer), true))
        }
    }
}

/// The answer of a lookup [`verdict`] started, for the function `name`.
pub async fn finish<St: Start>(name: &str, mut lookup: Box<Lookup<St>>) -> Decided {
    let decision = (&mut *lookup).await;
    logged(name, &lookup.origin(), decision, lookup.led())
}

/// `decision` about `origin`, logged: a failure at `warn` when this request saw it happen
/// (`fresh`), at `debug` when it was kept, so an outage under a flood logs each failed
/// lookup once, not each request.
fn logged(name: &str, origin: &str, decision: Decision, fresh: bool) -> Decided {
    // Escaped, so an origin cannot forge log lines.
    let shown = origin.escape_debug();
    match decision {
        Decision::Granted => Ok(()),
        Decision::Refused => {
            log::debug!(target: "cors", "origin {shown} refused by `{name}`");
            Err(None)
        }
        Decision::Failed(why) => {
            let level = if fresh {
                log::Level::Warn
            } else {
                log::Level::Debug
            };
            log::log!(target: "cors", level, "origin {shown} refused: `{name}` failed: {why}");
            Err(Some(why))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const FRESH: Duration = Duration::from_secs(60);
    const TIMEOUT: Duration = Duration::from_secs(5);

    fn answers() -> &'static Answers {
        Box::leak(Box::default())
    }

    /// A lookup answering `decision` after one yield, counting its starts in `starts`.
    fn start(decision: Decision, starts: &'static AtomicUsize) -> LocalStart {
        LocalStart(Box::new(move || {
            starts.fetch_add(1, Ordering::SeqCst);
            let decision = decision.clone();
            Box::pin(async move {
                tokio::task::yield_now().await;
                decision
            })
        }))
    }

    fn counter() -> &'static AtomicUsize {
        Box::leak(Box::new(AtomicUsize::new(0)))
    }

    async fn look_up(answers: &'static Answers, origin: &str, start: LocalStart) -> Decision {
        match answers.ask(origin) {
            Found::Known(decision) => decision,
            Found::Lead => Lookup::lead(answers, origin, start, FRESH, TIMEOUT).await,
            Found::Wait => Lookup::wait(answers, origin, start, FRESH, TIMEOUT).await,
        }
    }

    #[tokio::test]
    async fn an_answer_is_kept_and_concurrent_asks_share_one_lookup() {
        let answers = answers();
        let starts = counter();
        let asks = (0..10).map(|_| {
            look_up(
                answers,
                "https://a.example",
                start(Decision::Granted, starts),
            )
        });
        let decisions = futures_join(asks).await;
        assert!(
            decisions
                .iter()
                .all(|decision| *decision == Decision::Granted)
        );
        assert_eq!(starts.load(Ordering::SeqCst), 1);
        assert!(matches!(
            answers.ask("https://a.example"),
            Found::Known(Decision::Granted)
        ));
    }

    #[tokio::test]
    async fn a_waiter_runs_the_lookup_its_leader_gave_up() {
        let answers = answers();
        let starts = counter();
        assert!(matches!(answers.ask("https://b.example"), Found::Lead));
        let leader = Lookup::lead(
            answers,
            "https://b.example",
            start(Decision::Refused, starts),
            FRESH,
            TIMEOUT,
        );
        assert!(matches!(answers.ask("https://b.example"), Found::Wait));
        let waiter = Lookup::wait(
            answers,
            "https://b.example",
            start(Decision::Refused, starts),
            FRESH,
            TIMEOUT,
        );
        drop(leader);
        assert_eq!(waiter.await, Decision::Refused);
        assert_eq!(starts.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_and_a_timeout_fail_closed() {
        let answers = answers();
        let panics = LocalStart(Box::new(|| Box::pin(async { panic!("the store broke") })));
        let decision = look_up(answers, "https://c.example", panics).await;
        assert_eq!(
            decision,
            Decision::Failed("it panicked: the store broke".into())
        );
        let hangs = LocalStart(Box::new(|| Box::pin(std::future::pending())));
        let decision = look_up(answers, "https://d.example", hangs).await;
        assert_eq!(
            decision,
            Decision::Failed("it did not answer within 5s".into())
        );
    }

    #[tokio::test]
    async fn a_flood_of_refused_origins_keeps_memory_bounded_and_grants_kept() {
        let answers = answers();
        let starts = counter();
        look_up(
            answers,
            "https://tenant.example",
            start(Decision::Granted, starts),
        )
        .await;
        for n in 0..(REFUSED_KEPT * 3) {
            let origin = format!("https://stranger-{n}.example");
            look_up(answers, &origin, start(Decision::Refused, starts)).await;
        }
        assert_eq!(answers.kept(), (1, REFUSED_KEPT));
        assert!(answers.state().entries.len() <= REFUSED_KEPT + 1);
        let before = starts.load(Ordering::SeqCst);
        look_up(
            answers,
            "https://tenant.example",
            start(Decision::Granted, starts),
        )
        .await;
        assert_eq!(
            starts.load(Ordering::SeqCst),
            before,
            "the tenant's grant was evicted"
        );
    }

    #[tokio::test]
    async fn a_stale_answer_is_asked_again() {
        let answers = answers();
        let starts = counter();
        assert!(matches!(answers.ask("https://e.example"), Found::Lead));
        Lookup::lead(
            answers,
            "https://e.example",
            start(Decision::Refused, starts),
            Duration::ZERO,
            TIMEOUT,
        )
        .await;
        assert!(matches!(answers.ask("https://e.example"), Found::Lead));
    }

    /// Runs `futures` together on this task.
    async fn futures_join<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
        let mut pending: Vec<Pin<Box<F>>> = futures.map(Box::pin).collect();
        let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            for (future, slot) in pending.iter_mut().zip(done.iter_mut()) {
                if slot.is_none()
                    && let Poll::Ready(output) = future.as_mut().poll(cx)
                {
                    *slot = Some(output);
                }
            }
            if done.iter().all(Option::is_some) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        done.into_iter()
            .map(|output| output.expect("ready"))
            .collect()
    }
}
