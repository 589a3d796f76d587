namespace Newsletter.Tests.Support;

/// <summary>
/// An SMTP server on 127.0.0.1 that misbehaves on purpose: a <see cref="TestSmtpServer"/> (which keeps what it accepts
/// and refuses chosen recipients with 550) behind a <see cref="FaultySmtpProxy"/> (transient 421/451 replies, connections
/// cut in the middle of DATA, slow replies, acceptance times). Clients connect to <see cref="Host"/>:<see cref="Port"/>.
/// </summary>
/// <example>
/// <code>
/// await using var smtp = new FaultySmtpServer { Faults = new SmtpFaults { TransientFailureRate = 0.1, DropDuringDataRate = 0.02 } };
/// await smtp.StartAsync();
/// smtp.RefuseRecipient("bounce@example.com");
/// // ... send to smtp.Host:smtp.Port, then:
/// Assert.True(smtp.MaxAcceptedInAnyWindow(TimeSpan.FromSeconds(1)) &lt;= 21);
/// </code>
/// </example>
public sealed class FaultySmtpServer : IAsyncDisposable
{
    private readonly TestSmtpServer _server = new();
    private FaultySmtpProxy? _proxy;
    private SmtpFaults _initialFaults = SmtpFaults.None;

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port clients connect to (the proxy's); valid after <see cref="StartAsync"/>.</summary>
    public int Port => Proxy.Port;

    /// <summary>The faults in force; settable at any time, the next command of every connection sees the new value.</summary>
    public SmtpFaults Faults
    {
        get => _proxy?.Faults ?? _initialFaults;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _initialFaults = value;
            if (_proxy is not null)
                _proxy.Faults = value;
        }
    }

    /// <summary>Every message the server accepted, in arrival order.</summary>
    public IReadOnlyList<ReceivedSmtpMessage> Received => _server.Received;

    /// <summary>When each message was accepted, as the client saw it (the 2xx after DATA).</summary>
    public IReadOnlyList<DateTimeOffset> AcceptedAt => Proxy.AcceptedAt;

    public int ConnectionsAccepted => Proxy.ConnectionsAccepted;

    public int TransientRepliesInjected => Proxy.TransientRepliesInjected;

    public int ConnectionsDropped => Proxy.ConnectionsDropped;

    private FaultySmtpProxy Proxy => _proxy ?? throw new InvalidOperationException("Call StartAsync first.");

    /// <summary>Answers RCPT TO for <paramref name="address"/> with 550 from now on (case-insensitive).</summary>
    public void RefuseRecipient(string address) => _server.RefuseRecipient(address);

    /// <inheritdoc cref="FaultySmtpProxy.Script"/>
    public void Script(SmtpFaultCommands command, string recipient, ScriptedReply reply, int times = 1) => Proxy.Script(command, recipient, reply, times);

    /// <summary>Sessions (connections) the server itself started: a connection the proxy cut is not reopened to the server.</summary>
    public int ServerSessions => _server.SessionsStarted;

    /// <summary>The most messages accepted in any window of <paramref name="window"/> (e.g. one second, for a rate limit).</summary>
    public int MaxAcceptedInAnyWindow(TimeSpan window) => FaultySmtpProxy.MaxInAnyWindow(AcceptedAt, window);

    /// <inheritdoc cref="TestSmtpServer.WaitForMessagesAsync"/>
    public Task<IReadOnlyList<ReceivedSmtpMessage>> WaitForMessagesAsync(int count, TimeSpan timeout) => _server.WaitForMessagesAsync(count, timeout);

    /// <exception cref="TimeoutException">The server did not start within 10 seconds.</exception>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_proxy is not null)
            throw new InvalidOperationException("Already started.");
        await _server.StartAsync(ct).ConfigureAwait(false);
        _proxy = new FaultySmtpProxy(_server.Host, _server.Port) { Faults = _initialFaults };
        _proxy.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
            await _proxy.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
