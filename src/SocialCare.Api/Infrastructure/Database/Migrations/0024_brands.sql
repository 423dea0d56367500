-- A brand's care settings (issue 18): its time zone, weekly business hours, holidays, languages and default SLA policy,
-- as the last brand.configured event of its stream left them. A brand without a row was never configured: always
-- open, no SLA. version is the brand stream's version, and so the ETag.
create table brands (
    workspace_id uuid not null references workspaces (id) on delete cascade,
    brand text not null,
    display_name text,
    time_zone text not null,
    business_hours jsonb not null,
    holidays date[] not null,
    default_sla_policy_id uuid,
    languages text[] not null,
    version bigint not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (workspace_id, brand)
);
