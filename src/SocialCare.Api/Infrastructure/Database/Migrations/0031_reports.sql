-- Reports (issue 19): a projection of the event log, rebuilt from it by resetting the follower's checkpoint
-- (mt_event_progression 'reports') and emptying these tables. docs/reports.md defines every figure.

-- Each conversation's grouping values now (brand, channel, team, priority) and its current episode.
create table report_conversations (
    conversation_id uuid primary key,
    workspace_id uuid not null,
    brand text not null,
    channel_type text not null,
    channel_id uuid not null,
    team text not null,
    priority text not null,
    episode int not null
);

-- One row per episode (the opening, or a reopening, to its resolution): the facts its figures are made of.
create table report_episodes (
    conversation_id uuid not null,
    episode int not null,
    workspace_id uuid not null,
    started_at timestamptz not null,
    brand text not null,
    channel_type text not null,
    channel_id uuid not null,
    team text not null,
    priority text not null,
    acknowledged_at timestamptz,
    acknowledge_business_ms bigint,
    responded_at timestamptz,
    respond_business_ms bigint,
    resolved_at timestamptz,
    resolve_business_ms bigint,
    replies int not null,
    reopened_later boolean not null,
    sla int[] not null,
    primary key (conversation_id, episode)
);

-- Pre-aggregated response-time figures of the episodes that started in an hour (UTC) or a day (UTC), per brand and
-- per value of one grouping dimension ('all', 'channelType', 'channel', 'team', 'priority'): counters, sums of
-- milliseconds and percentile sketches (ResponseFigures.EncodeSketches: per series, varints of bin index deltas and
-- counts).
create table report_response_hours (
    workspace_id uuid not null,
    period timestamptz not null,
    brand text not null,
    dimension text not null,
    value text not null,
    counts bigint[] not null,
    sums bigint[] not null,
    sketches bytea not null,
    primary key (workspace_id, period, brand, dimension, value)
);

-- Sketches stay in the row (compressed if need be) rather than in TOAST: a report reads thousands of rows at once.
alter table report_response_hours alter column sketches set storage main;

create table report_response_days (like report_response_hours including all);

-- Engagements in, replies out and new customers per hour (UTC).
create table report_volume (
    workspace_id uuid not null,
    period timestamptz not null,
    brand text not null,
    channel_type text not null,
    visibility text not null,
    inbound bigint not null,
    outbound bigint not null,
    new_customers bigint not null,
    primary key (workspace_id, period, brand, channel_type, visibility)
);

-- The customers seen so far: a customer's first engagement in the workspace makes a new customer.
create table report_customers (
    workspace_id uuid not null,
    customer_id uuid not null,
    primary key (workspace_id, customer_id)
);

-- Survey answers per hour (UTC) of their response, per brand, channel, team and kind: count, sum and distribution
-- (how many gave each score, 0 to 10: columns, so that a report sums them without unpacking arrays).
create table report_feedback (
    workspace_id uuid not null,
    period timestamptz not null,
    brand text not null,
    channel_type text not null,
    channel_id text not null,
    team text not null,
    kind text not null,
    responses bigint not null,
    score_sum bigint not null,
    score_0 bigint not null,
    score_1 bigint not null,
    score_2 bigint not null,
    score_3 bigint not null,
    score_4 bigint not null,
    score_5 bigint not null,
    score_6 bigint not null,
    score_7 bigint not null,
    score_8 bigint not null,
    score_9 bigint not null,
    score_10 bigint not null,
    primary key (workspace_id, period, brand, channel_type, channel_id, team, kind)
);

-- Each brand's calendar as its latest brand.configured event set it, for business-hours figures: a rebuild reads the
-- calendar each event saw, not today's.
create table report_calendars (
    workspace_id uuid not null,
    brand text not null,
    time_zone text not null,
    hours text not null,
    holidays date[] not null,
    primary key (workspace_id, brand)
);
