-- Customer feedback (issue 19, point 3): each answer to a CSAT, NES, CES or NPS survey, as its
-- conversation.feedback_received event left it, for the conversation's readers and the reports to come.
create table conversation_feedback (
    id uuid primary key,
    workspace_id uuid not null,
    conversation_id uuid not null references conversations (id) on delete cascade,
    brand text not null,
    episode int not null,
    kind text not null,
    score int not null,
    comment text,
    channel_id uuid,
    responded_at timestamptz not null,
    recorded_at timestamptz not null,
    recorded_by text
);

create index conversation_feedback_conversation on conversation_feedback (conversation_id, responded_at);
create index conversation_feedback_workspace on conversation_feedback (workspace_id, kind, responded_at);
