-- A key limited to brands reads the changefeed (and its Server-Sent Events tail) brand by brand, in sequence order from
-- its cursor (Events/EventFeed.cs): with this index each brand's read is one range scan that stops at the page size,
-- instead of a walk over every event of the workspace after the cursor that throws other brands' away.
--
-- Built inside the migration's transaction, it holds writes to events back while it builds. On a large log, build it
-- first with CREATE INDEX CONCURRENTLY under this name; this statement then finds it and does nothing.
create index if not exists events_workspace_brand_seq on events (workspace_id, (data ->> 'brand'), seq);
