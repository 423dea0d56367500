-- An append whose stream is not at the expected version now fails inside PostgreSQL, so that a writer can send its
-- appends and its COMMIT together: a conflict aborts the transaction before the COMMIT, which is then never executed.
-- SQLSTATE SC409 is ours; the hint carries the stream's id.
create function socialcare_stream_conflict(stream uuid, expected bigint) returns bigint
language plpgsql as $$
begin
    raise exception 'stream % is not at version %', stream, coalesce(expected::text, 'any')
        using errcode = 'SC409', hint = stream::text;
end
$$;
