//! Each session's group names, for `GET /api/sessions/{code}`: the join screen asks for them
//! before anyone connects, so they cannot come from the session's view.
//!
//! The names live in the session's document and never change once it exists, so the first answer
//! is kept for the life of the process. A session made here is known at once; any other session
//! is read from the store once, and a crowd joining at the same moment waits on that one read
//! instead of each loading the document (one `OnceCell` per session). The map is bounded: when it
//! holds [`MAX_SESSIONS`] sessions it starts again empty, which costs one read per session.

use std::future::Future;
use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::OnceCell;

/// Most sessions whose names are kept.
pub const MAX_SESSIONS: usize = 10_000;

type Names = Arc<[String]>;

/// The kept group names, by session id.
#[derive(Debug, Default)]
pub struct GroupNames {
    by_session: DashMap<String, Arc<OnceCell<Names>>>,
}

impl GroupNames {
    /// Remember the names of a session just made.
    pub fn insert(&self, session_id: &str, names: &[String]) {
        self.make_room();
        let cell = OnceCell::new_with(Some(Names::from(names)));
        self.by_session
            .insert(session_id.to_string(), Arc::new(cell));
    }

    /// The names of a session, read with `load` the first time they are asked for.
    pub async fn get_or_load<F, Fut, E>(&self, session_id: &str, load: F) -> Result<Names, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<String>, E>>,
    {
        let cell = match self.by_session.get(session_id) {
            Some(cell) => Arc::clone(cell.value()),
            None => {
                self.make_room();
                Arc::clone(
                    self.by_session
                        .entry(session_id.to_string())
                        .or_default()
                        .value(),
                )
            }
        };
        // The map's guard is dropped above: nothing is held across the load.
        let names = cell
            .get_or_try_init(|| async { load().await.map(Names::from) })
            .await?;
        Ok(Arc::clone(names))
    }

    fn make_room(&self) {
        if self.by_session.len() >= MAX_SESSIONS {
            self.by_session.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_crowd_asking_at_once_loads_once() {
        let names = Arc::new(GroupNames::default());
        let loads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (names, loads) = (Arc::clone(&names), Arc::clone(&loads));
            tasks.push(tokio::spawn(async move {
                names
                    .get_or_load("s1", || async {
                        loads.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        Ok::<_, ()>(vec!["ICT".to_string(), "Beleid".to_string()])
                    })
                    .await
            }));
        }
        for t in tasks {
            let got = t.await.expect("task").expect("names");
            assert_eq!(&got[..], ["ICT".to_string(), "Beleid".to_string()]);
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_load_is_tried_again_and_inserted_names_need_none() {
        let names = GroupNames::default();
        let failed = names
            .get_or_load("s1", || async { Err::<Vec<String>, _>("store down") })
            .await;
        assert_eq!(failed, Err("store down"));
        let got = names
            .get_or_load("s1", || async {
                Ok::<_, &str>(vec!["a".into(), "b".into()])
            })
            .await;
        assert_eq!(got.map(|n| n.len()), Ok(2));
        names.insert("s2", &["x".into(), "y".into(), "z".into()]);
        let got = names
            .get_or_load("s2", || async { Err::<Vec<String>, _>("not called") })
            .await;
        assert_eq!(got.map(|n| n.len()), Ok(3));
    }
}
