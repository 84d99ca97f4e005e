//! Signals between nodes over Redis publish/subscribe: one node says "something changed"
//! and every node (itself included) hears it at once. Used to drop every node's copy of
//! sessions after a sign-out, a password change or a disabled account.
//!
//! A node that is not subscribed cannot hear, so `listen` reports whether it is: the
//! caller must not trust what it keeps while it does not hear (the session cache then
//! reads the database every time), and should drop what it kept when hearing resumes,
//! since signals sent in the gap are lost.

use futures_util::StreamExt;
use std::time::Duration;

/// A named channel on one Redis server.
#[derive(Clone)]
pub struct Channel {
    client: redis::Client,
    conn: redis::aio::ConnectionManager,
    name: String,
}

impl Channel {
    /// Connects for publishing; fails when Redis does not answer.
    pub async fn connect(url: &str, name: &str) -> Result<Channel, crate::LimitError> {
        let (client, conn) = crate::managed(url).await?;
        Ok(Channel {
            client,
            conn,
            name: name.to_string(),
        })
    }

    /// Send `message` to every node listening now.
    pub async fn publish(&self, message: &str) -> Result<(), crate::LimitError> {
        let mut c = self.conn.clone();
        redis::cmd("PUBLISH")
            .arg(&self.name)
            .arg(message)
            .query_async::<i64>(&mut c)
            .await
            .map(|_| ())
            .map_err(crate::redis_err)
    }

    /// Listen for ever: `on_message` for each message; `hearing(true)` once subscribed
    /// (again), `hearing(false)` as soon as the subscription is lost. Reconnects every
    /// second while Redis is away.
    pub async fn listen(
        self,
        on_message: impl Fn(&str) + Send + 'static,
        hearing: impl Fn(bool) + Send + 'static,
    ) {
        loop {
            match self.client.get_async_pubsub().await {
                Ok(mut sub) => match sub.subscribe(&self.name).await {
                    Ok(()) => {
                        hearing(true);
                        let mut stream = sub.into_on_message();
                        while let Some(msg) = stream.next().await {
                            let text: String = msg.get_payload().unwrap_or_default();
                            on_message(&text);
                        }
                        hearing(false);
                        tracing::warn!(channel = %self.name, "lost the Redis subscription; reconnecting");
                    }
                    Err(e) => {
                        crate::redis_err(e);
                    }
                },
                Err(e) => {
                    crate::redis_err(e);
                }
            }
            hearing(false);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
