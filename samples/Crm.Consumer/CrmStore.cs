using Npgsql;

namespace Crm.Consumer;

/// <summary>A contact as the CRM knows it: who they are on the platforms, what they are worth.</summary>
public sealed record Contact(string Id, string Name, decimal LifetimeValue, string Segment);

/// <summary>The CRM's own database: its contacts, and which hub customer each one is.</summary>
public sealed class CrmStore(NpgsqlDataSource db)
{
    public async Task EnsureAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            create table if not exists crm_contacts (
                id              text primary key,
                name            text not null,
                phone           text unique,
                x_user_id       text unique,
                lifetime_value  numeric(12, 2) not null,
                segment         text not null,
                hub_customer_id uuid
            );
            insert into crm_contacts (id, name, phone, x_user_id, lifetime_value, segment) values
                ('C-1001', 'Omar Haddad', '971501234567', '2244994945', 1520.50, 'gold'),
                ('C-1002', 'Sheena Nelson', '16505551234', null, 310.00, 'silver'),
                ('C-1003', 'Layla Al Mansouri', '971559876543', null, 8920.00, 'platinum')
            on conflict (id) do nothing;
            create table if not exists crm_escalations (
                id                   text primary key,
                hub_event_id         uuid not null unique,
                contact_id           text references crm_contacts (id),
                hub_conversation_id  uuid not null,
                target               text not null,
                opened_at            timestamptz not null default now()
            );
            """
        );
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The contact behind a platform identity: a WhatsApp number is a phone, an X user id is on
    /// file.</summary>
    public async Task<Contact?> FindAsync(string channelType, string platformUserId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            channelType == "x"
                ? "select id, name, lifetime_value, segment from crm_contacts where x_user_id = $1"
                : "select id, name, lifetime_value, segment from crm_contacts where phone = $1"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = platformUserId.TrimStart('+') });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Contact(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetString(3))
            : null;
    }

    public async Task AttachAsync(string contactId, Guid hubCustomerId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("update crm_contacts set hub_customer_id = $2 where id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = contactId });
        command.Parameters.Add(new NpgsqlParameter { Value = hubCustomerId });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>After a merge in the hub, the contacts keyed by the customer that is gone follow the
    /// survivor.</summary>
    public async Task<int> RekeyAsync(Guid from, Guid to, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "update crm_contacts set hub_customer_id = $2 where hub_customer_id = $1"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The contact already known to be this hub customer (whichever channel they write on now).</summary>
    public async Task<Contact?> ContactOfAsync(Guid hubCustomerId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "select id, name, lifetime_value, segment from crm_contacts where hub_customer_id = $1 limit 1"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = hubCustomerId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Contact(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetString(3))
            : null;
    }

    /// <summary>Opens the escalation case for a breach, once: the hub's event id keys it, so a redelivered event finds
    /// the case it opened. Returns the case's id.</summary>
    public async Task<string> OpenEscalationAsync(
        Guid eventId,
        string? contactId,
        Guid conversationId,
        string target,
        CancellationToken ct
    )
    {
        await using var command = db.CreateCommand(
            """
            insert into crm_escalations (id, hub_event_id, contact_id, hub_conversation_id, target)
            values ('ESC-' || upper(substr(replace($1::text, '-', ''), 21, 8)), $1, $2, $3, $4)
            on conflict (hub_event_id) do update set hub_event_id = excluded.hub_event_id
            returning id
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = contactId });
        command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
        command.Parameters.Add(new NpgsqlParameter { Value = target });
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }
}
