using System.Data;
using System.Data.Common;

namespace Newsletter.Storage;

/// <summary>
/// A <see cref="DeliveryClaimSession"/>'s connection and the statements it prepares there: the claim, the held "sent", and
/// on PostgreSQL both as one batch. Replaced as a whole when the session reconnects.
/// </summary>
internal sealed class DeliveryClaimStatements : IAsyncDisposable
{
    private DeliveryClaimStatements(string claimSql, DbConnection connection, string claimedBy)
    {
        Connection = connection;
        Claim = connection.CreateCommand();
        Claim.CommandText = claimSql;
        AddClaimParameters(Claim.Parameters, Claim.CreateParameter, claimedBy);
        Sent = connection.CreateCommand();
        Sent.CommandText = DeliverySql.Sent.Sql;
        AddSentParameters(Sent.Parameters, Sent.CreateParameter);

        // Microsoft.Data.Sqlite has no batches; Npgsql runs one as an implicit transaction (all or nothing) in one round trip.
        if (connection.CanCreateBatch)
        {
            SentThenClaim = connection.CreateBatch();
            var sent = SentThenClaim.CreateBatchCommand();
            sent.CommandText = DeliverySql.Sent.Sql;
            AddSentParameters(sent.Parameters, sent.CreateParameter);
            var claim = SentThenClaim.CreateBatchCommand();
            claim.CommandText = claimSql;
            AddClaimParameters(claim.Parameters, claim.CreateParameter, claimedBy);
            SentThenClaim.BatchCommands.Add(sent);
            SentThenClaim.BatchCommands.Add(claim);
        }
    }

    public DbConnection Connection { get; }

    public DbCommand Claim { get; }

    public DbCommand Sent { get; }

    /// <summary>The held "sent" then the claim, as one round trip, where the provider runs a batch as one transaction (PostgreSQL).</summary>
    public DbBatch? SentThenClaim { get; }

    /// <summary>Prepares the statements on <paramref name="connection"/>, which they then own (disposed on failure).</summary>
    public static async Task<DeliveryClaimStatements> PrepareAsync(StoreDatabase database, DbConnection connection, string claimedBy, CancellationToken cancellationToken)
    {
        var statements = new DeliveryClaimStatements(DeliverySql.Claim(database), connection, claimedBy);
        try
        {
            await statements.Claim.PrepareAsync(cancellationToken).ConfigureAwait(false);
            await statements.Sent.PrepareAsync(cancellationToken).ConfigureAwait(false);
            if (statements.SentThenClaim is { } batch)
            {
                await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }
            return statements;
        }
        catch
        {
            await statements.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Lets the connection go; a broken one is closed without complaint.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (SentThenClaim is not null)
            {
                await SentThenClaim.DisposeAsync().ConfigureAwait(false);
            }
            await Claim.DisposeAsync().ConfigureAwait(false);
            await Sent.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (DbException)
        {
            // The connection is already broken (the reason the session is reconnecting); nothing is left to release.
        }
    }

    private static void AddClaimParameters(DbParameterCollection parameters, Func<DbParameter> create, string claimedBy)
    {
        parameters.Add(Parameter(create, "deliveryId", DbType.Int64, 0L));
        parameters.Add(Parameter(create, "claimedBy", DbType.String, claimedBy));
        parameters.Add(Parameter(create, "now", DbType.String, ""));
    }

    private static void AddSentParameters(DbParameterCollection parameters, Func<DbParameter> create)
    {
        parameters.Add(Parameter(create, "deliveryId", DbType.Int64, 0L));
        parameters.Add(Parameter(create, "detail", DbType.String, ""));
        parameters.Add(Parameter(create, "messageId", DbType.String, DBNull.Value));
        parameters.Add(Parameter(create, "now", DbType.String, ""));
    }

    /// <summary>A typed parameter, so a prepared statement keeps one plan whatever value it is given.</summary>
    internal static DbParameter Parameter(Func<DbParameter> create, string name, DbType type, object value)
    {
        var parameter = create();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value;
        return parameter;
    }
}
