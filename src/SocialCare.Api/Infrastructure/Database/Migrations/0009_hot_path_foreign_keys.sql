-- Foreign keys from the hot ingestion tables to rows that every write shares (the workspace, the channel
-- account) make each insert take FOR KEY SHARE on that one parent row. With many concurrent writers PostgreSQL
-- turns those shared locks into a new MultiXact per writer, and ingestion serialises on it (an engagement
-- insert took over a millisecond under load). Workspaces are never deleted and channel accounts are only
-- soft-deleted (deleted_at), so these keys guard nothing the application does not already guarantee.
alter table streams drop constraint streams_workspace_id_fkey;
alter table customers drop constraint customers_workspace_id_fkey;
alter table conversations drop constraint conversations_workspace_id_fkey;
alter table engagements drop constraint engagements_channel_id_fkey;
alter table replies drop constraint replies_channel_id_fkey;
