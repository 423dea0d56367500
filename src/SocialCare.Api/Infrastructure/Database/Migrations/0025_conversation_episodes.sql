-- Each opening of a conversation is an episode (issue 18, point 6): reopening starts new acknowledgement, response and
-- resolution clocks. episode counts the openings; episode_opened_at is when the current one began, null for the first
-- (which began at opened_at), so that the statements that open conversations need not set it.
alter table conversations add column episode integer not null default 1;
alter table conversations add column episode_opened_at timestamptz;

-- Conversations reopened before this migration: their episode and its start, from their reopen events; an
-- acknowledgement from an earlier episode no longer counts for the current one.
update conversations c
set episode = 1 + r.reopens, episode_opened_at = r.last_reopened
from (
    select stream_id, count(*) as reopens, max(timestamp) as last_reopened
    from mt_events where type = 'conversation.reopened' group by stream_id
) r
where r.stream_id = c.id;

update conversations set acknowledged_at = null
where episode_opened_at is not null and acknowledged_at < episode_opened_at;
