//! Joining: who may open a connection to a live session, and as whom.
//!
//! A join is checked against the session's credentials (the facilitator secret's hash, the
//! participants' resume-token hashes) and its state (closed, connection limit, removed people
//! and devices); a new participant is added to the document in the same tick, and their token
//! hash is stored with it. The connection is then handed to the outbox, which sends the welcome
//! and the snapshot once the join is durable. Kept apart from the tick because it is the one
//! place where credentials are compared.

use draagvlak_protocol::JoinRequest;
use draagvlak_protocol::view::Role;
use draagvlak_protocol::{ErrorCode, ParticipantId};
use tracing::debug;

use super::{Actor, ConnLink};
use crate::credentials;
use crate::session::Refusal;
use crate::session::apply;

/// A participant created by a join: (id, token hash), stored with the tick.
pub(super) type NewParticipant = (ParticipantId, Vec<u8>);

impl Actor {
    /// Handle a join: check credentials, maybe create a participant, register the connection.
    pub(super) fn join(
        &mut self,
        link: ConnLink,
        request: JoinRequest,
    ) -> (Result<(), Refusal>, Option<NewParticipant>) {
        // A closed session is read-only: the facilitator, the projector and the people who took
        // part (resuming with their token) may still look at its results; nobody new joins,
        // since joining would change it.
        if self.closed && matches!(request, JoinRequest::Participant { .. }) {
            return (
                Err(Refusal::new(
                    ErrorCode::SessionClosed,
                    "this session is closed: it can be read by the people who took part, but \
                     nobody new joins",
                )),
                None,
            );
        }
        if self.outbox.len() >= self.ctx.limits.max_connections_per_session {
            return (
                Err(Refusal::new(
                    ErrorCode::LimitReached,
                    "this session has as many connections as it can take",
                )),
                None,
            );
        }
        let (role, participant, token, created) = match request {
            JoinRequest::Facilitator { secret, .. } => {
                if !credentials::verify_secret(&secret, &self.facilitator_hash) {
                    return (
                        Err(Refusal::new(
                            ErrorCode::BadCredentials,
                            "the facilitator secret is not valid for this session",
                        )),
                        None,
                    );
                }
                (Role::Facilitator, None, None, None)
            }
            JoinRequest::Projector { .. } => (Role::Projector, None, None, None),
            JoinRequest::Resume { token, .. } => {
                match self.tokens.get(&credentials::hash_secret(&token)) {
                    Some(pid) if self.workshop.state().active(pid).is_none() => {
                        return (
                            Err(Refusal::new(
                                ErrorCode::Removed,
                                "the facilitator removed you from this session",
                            )),
                            None,
                        );
                    }
                    Some(pid) => (Role::Participant, Some(pid.clone()), Some(token), None),
                    None => {
                        return (
                            Err(Refusal::new(
                                ErrorCode::BadCredentials,
                                "this resume token is not valid for this session; join again",
                            )),
                            None,
                        );
                    }
                }
            }
            JoinRequest::Participant {
                name,
                group,
                device,
                ..
            } => {
                let name = match apply::check_name(&name)
                    .and_then(|n| apply::check_group(self.workshop.state(), &group).map(|()| n))
                {
                    Ok(n) => n,
                    Err(r) => return (Err(r), None),
                };
                // A device is known only by a hash that is salted with the session id, so the
                // same device cannot be followed across sessions.
                let device = device.filter(|d| !d.trim().is_empty()).map(|d| {
                    let digest = credentials::hash_secret(&format!("{}:{d}", self.id));
                    digest
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                });
                if let Some(d) = &device
                    && self
                        .workshop
                        .state()
                        .participants
                        .values()
                        .any(|p| p.removed && p.device.as_deref() == Some(d))
                {
                    return (
                        Err(Refusal::new(
                            ErrorCode::Removed,
                            "the facilitator removed you from this session; ask them to let you \
                             in again",
                        )),
                        None,
                    );
                }
                let pid = match self
                    .workshop
                    .add_participant_from(name, &group, device.as_deref())
                {
                    Ok(pid) => pid,
                    Err(e) => return (Err(Refusal::internal(e)), None),
                };
                let token = credentials::new_secret();
                let hash = credentials::hash_secret(&token);
                (
                    Role::Participant,
                    Some(pid.clone()),
                    Some(token),
                    Some((pid, hash)),
                )
            }
        };
        debug!(conn = link.id, ?role, participant = ?participant, "joined");
        self.outbox.add(link, role, participant, token);
        (Ok(()), created)
    }
}
