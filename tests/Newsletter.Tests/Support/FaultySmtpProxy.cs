using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Newsletter.Tests.Support;

/// <summary>
/// A TCP proxy on 127.0.0.1 (port chosen by the OS, TCP_NODELAY on both legs) in front of a real SMTP server, that
/// follows the SMTP dialogue and injects <see cref="SmtpFaults"/>: transient replies to MAIL, RCPT or the end of DATA
/// (answered by the proxy; the server never sees the command), connections cut in the middle of DATA with no reply,
/// and slow replies. It also records when each message was accepted (the moment the client receives the 2xx after
/// DATA), for rate-limit tests.
/// </summary>
/// <remarks>
/// A proxy rather than hooks in the server, because a server library only hands over a message once it has all of it:
/// cutting a connection half-way through DATA has to happen on the wire. Replies are relayed in command order, so
/// PIPELINING clients see injected and real replies interleaved correctly. BDAT (CHUNKING) is not followed; the test
/// server and smtp-sink do not offer it.
/// </remarks>
public sealed class FaultySmtpProxy : IAsyncDisposable
{
    // The connection closes its sockets itself, once the last reply is out; a reader that stops must not close them first.
    private static readonly StreamPipeReaderOptions LeaveOpen = new(leaveOpen: true);

    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Kind, string Key), int> _occurrences = new();
    private readonly ConcurrentQueue<DateTimeOffset> _accepted = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly ConcurrentDictionary<(SmtpFaultCommands Command, string Key), ScriptedReply> _script = new();
    private Task? _accepting;
    private volatile SmtpFaults _faults = SmtpFaults.None;
    private int _connectionsAccepted;
    private int _transientRepliesInjected;
    private int _connectionsDropped;

    public FaultySmtpProxy(string upstreamHost, int upstreamPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upstreamHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(upstreamPort);
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
    }

    /// <summary>The faults applied from now on (connections already open see the change at their next command).</summary>
    public SmtpFaults Faults
    {
        get => _faults;
        set => _faults = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Always 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>
    /// Scripts what happens, the next <paramref name="times"/> times, to <paramref name="command"/> for a message to
    /// <paramref name="recipient"/> (for MAIL, to any message: pass ""). The server never sees a command answered here.
    /// </summary>
    /// <param name="reply">The reply instead of the server's, e.g. <c>452 4.2.2 Mailbox full</c>; a 421 closes the connection after it.</param>
    public void Script(SmtpFaultCommands command, string recipient, ScriptedReply reply, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(reply);
        _script[(command, recipient.ToLowerInvariant())] = reply with { Remaining = times };
    }

    /// <summary>The port clients connect to; valid after <see cref="Start"/>.</summary>
    public int Port { get; private set; }

    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Replies the proxy made up (the transient failures), including 421s.</summary>
    public int TransientRepliesInjected => Volatile.Read(ref _transientRepliesInjected);

    /// <summary>Connections cut in the middle of DATA.</summary>
    public int ConnectionsDropped => Volatile.Read(ref _connectionsDropped);

    /// <summary>When each message was accepted, in the order the 2xx replies went to clients.</summary>
    public IReadOnlyList<DateTimeOffset> AcceptedAt => _accepted.ToArray();

    /// <summary>The largest number of <paramref name="times"/> that fall in any half-open window [t, t + <paramref name="window"/>).</summary>
    public static int MaxInAnyWindow(IEnumerable<DateTimeOffset> times, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(times);
        var sorted = times.Order().ToArray();
        int max = 0, first = 0;
        for (var last = 0; last < sorted.Length; last++)
        {
            while (sorted[last] - sorted[first] >= window)
                first++;
            max = Math.Max(max, last - first + 1);
        }

        return max;
    }

    public void Start()
    {
        if (_accepting is not null)
            throw new InvalidOperationException("Already started.");
        _listener.Start(backlog: 512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        var running = _connections.Keys.ToList();
        if (_accepting is not null)
            running.Add(_accepting);
        try
        {
            await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cleaning up a test fixture: connections are abandoned, and their errors must not fail the test.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            Interlocked.Increment(ref _connectionsAccepted);
            var connection = RunConnectionAsync(client, stop);
            _connections[connection] = true;
            _ = connection.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task RunConnectionAsync(Socket clientSocket, CancellationToken stop)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var upstreamSocket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstreamSocket.ConnectAsync(_upstreamHost, _upstreamPort, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            upstreamSocket.Dispose();
            clientSocket.Dispose();
            return;
        }

        var connection = new Connection(clientSocket, upstreamSocket, cts);
        connection.Slots.Writer.TryWrite(new Slot(LocalReply: null)); // the server's greeting
        var client = PumpClientAsync(connection);
        var upstream = PumpUpstreamAsync(connection);
        try
        {
            await WriteRepliesAsync(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
        {
            // Either side went away: the connection is over.
        }
        finally
        {
            connection.Close(abort: false);
        }

        await Task.WhenAll(client, upstream).ConfigureAwait(false);
    }

    /// <summary>Reads the client's commands and message content, forwards them or answers them itself.</summary>
    private async Task PumpClientAsync(Connection c)
    {
        var reader = PipeReader.Create(c.ClientStream, LeaveOpen);
        var ct = c.Cancellation.Token;
        var inData = false;
        var swallowData = false;
        var dropData = false;
        ScriptedReply? dataScript = null;
        long dataBytes = 0;
        var recipients = new List<string>();
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(ct).ConfigureAwait(false);
                var buffer = read.Buffer;
                var dataStart = buffer.Start;
                while (TryReadLine(ref buffer, out var line))
                {
                    var faults = _faults;
                    if (inData)
                    {
                        var isEnd = IsDotLine(line);
                        if (dropData && (isEnd || dataBytes + line.Length > (dataScript?.DropAfterDataBytes ?? faults.DropAfterDataBytes)))
                        {
                            // Forward what came before this line, then vanish without a reply.
                            if (!swallowData)
                                await WriteAsync(c.UpstreamStream, read.Buffer.Slice(dataStart, line.Start), ct).ConfigureAwait(false);
                            Interlocked.Increment(ref _connectionsDropped);
                            c.Close(abort: true);
                            return;
                        }

                        if (!isEnd)
                        {
                            dataBytes += line.Length;
                            continue;
                        }

                        inData = false;
                        if (swallowData)
                        {
                            if (!(dataScript?.Reply is { } dataReply ? Reply(c, dataReply) : Inject(c, faults)))
                                return;
                        }
                        else
                        {
                            await WriteAsync(c.UpstreamStream, read.Buffer.Slice(dataStart, line.End), ct).ConfigureAwait(false);
                            c.Slots.Writer.TryWrite(new Slot(LocalReply: null, EndOfData: true, LoseReply: dataScript?.LoseReply ?? false,
                                HoldReply: dataScript?.HoldReply ?? false));
                        }

                        continue;
                    }

                    var command = Encoding.ASCII.GetString(line).TrimEnd('\r', '\n');
                    var verb = (command.Length >= 4 ? command[..4] : command).ToUpperInvariant();
                    switch (verb)
                    {
                        case "MAIL":
                            recipients.Clear();
                            if (Take(SmtpFaultCommands.Mail, "") is { Reply: { } mailReply })
                            {
                                if (!Reply(c, mailReply))
                                    return;
                                continue;
                            }

                            if (Roll(faults, SmtpFaultCommands.Mail, ""))
                            {
                                if (!Inject(c, faults))
                                    return;
                                continue;
                            }

                            break;
                        case "RCPT":
                            var address = AddressOf(command);
                            if (Take(SmtpFaultCommands.Rcpt, address) is { Reply: { } rcptReply })
                            {
                                if (!Reply(c, rcptReply))
                                    return;
                                continue;
                            }

                            if (Roll(faults, SmtpFaultCommands.Rcpt, address))
                            {
                                if (!Inject(c, faults))
                                    return;
                                continue;
                            }

                            recipients.Add(address);
                            break;
                        case "DATA":
                            var key = string.Join(",", recipients);
                            dataScript = Take(SmtpFaultCommands.Data, key);
                            dropData = RollRate(faults, "DROP", key, faults.DropDuringDataRate) || dataScript?.DropAfterDataBytes is not null;
                            swallowData = Roll(faults, SmtpFaultCommands.Data, key) || dataScript?.Reply is not null;
                            dataBytes = 0;
                            if (swallowData)
                            {
                                // The server never sees this transaction's DATA; the client gets its 354 from us, and its
                                // content is read and thrown away, then refused.
                                c.Slots.Writer.TryWrite(new Slot("354 End data with <CR><LF>.<CR><LF>\r\n"));
                                inData = true;
                                dataStart = buffer.Start;
                                continue;
                            }

                            var replied = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                            await WriteAsync(c.UpstreamStream, line, ct).ConfigureAwait(false);
                            c.Slots.Writer.TryWrite(new Slot(LocalReply: null, Replied: replied));
                            // The client sends no content before it has the 354, so waiting here loses nothing.
                            inData = await replied.Task.WaitAsync(ct).ConfigureAwait(false) == 354;
                            dataStart = buffer.Start;
                            continue;
                    }

                    await WriteAsync(c.UpstreamStream, line, ct).ConfigureAwait(false);
                    c.Slots.Writer.TryWrite(new Slot(LocalReply: null));
                }

                if (inData && !swallowData)
                    await WriteAsync(c.UpstreamStream, read.Buffer.Slice(dataStart, buffer.Start), ct).ConfigureAwait(false);
                reader.AdvanceTo(buffer.Start, read.Buffer.End);
                if (read.IsCompleted)
                {
                    // The client hung up: let the server see it, and let the pending replies drain.
                    c.UpstreamSocket.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The other side closed the connection.
        }
        finally
        {
            c.Slots.Writer.TryComplete();
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Queues a made-up transient reply; false when it is a 421 and the connection is ending.</summary>
    private bool Inject(Connection c, SmtpFaults faults)
    {
        Interlocked.Increment(ref _transientRepliesInjected);
        var closing = faults.TransientReplyCode == 421;
        var text = faults.TransientReplyText ?? (closing ? "4.3.2 Service shutting down (injected fault)" : "4.3.0 Try again later (injected fault)");
        c.Slots.Writer.TryWrite(new Slot($"{faults.TransientReplyCode} {text}\r\n", CloseAfter: closing));
        return !closing;
    }

    /// <summary>Queues a scripted reply; false when it is a 421 and the connection is ending.</summary>
    private bool Reply(Connection c, string reply)
    {
        Interlocked.Increment(ref _transientRepliesInjected);
        var closing = reply.StartsWith("421", StringComparison.Ordinal);
        c.Slots.Writer.TryWrite(new Slot(reply + "\r\n", CloseAfter: closing));
        return !closing;
    }

    /// <summary>The scripted behaviour for this command and key, if any is left (each use counts down).</summary>
    private ScriptedReply? Take(SmtpFaultCommands command, string key)
    {
        while (_script.TryGetValue((command, key), out var script))
        {
            if (script.Remaining <= 0)
                return null;
            if (_script.TryUpdate((command, key), script with { Remaining = script.Remaining - 1 }, script))
                return script;
        }

        return null;
    }

    /// <summary>Reads the server's replies (multi-line ones whole) into <see cref="Connection.UpstreamReplies"/>.</summary>
    private static async Task PumpUpstreamAsync(Connection c)
    {
        var reader = PipeReader.Create(c.UpstreamStream, LeaveOpen);
        var reply = new StringBuilder();
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(c.Cancellation.Token).ConfigureAwait(false);
                var buffer = read.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    var text = Encoding.ASCII.GetString(line);
                    reply.Append(text);
                    if (text.Length < 4 || text[3] != '-')
                    {
                        c.UpstreamReplies.Writer.TryWrite(reply.ToString());
                        reply.Clear();
                    }
                }

                reader.AdvanceTo(buffer.Start, read.Buffer.End);
                if (read.IsCompleted)
                    return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is over.
        }
        finally
        {
            c.UpstreamReplies.Writer.TryComplete();
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends the client its replies in command order, each after <see cref="SmtpFaults.ReplyDelay"/>.</summary>
    private async Task WriteRepliesAsync(Connection c)
    {
        var ct = c.Cancellation.Token;
        await foreach (var slot in c.Slots.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            var reply = slot.LocalReply;
            if (reply is null)
            {
                if (!await c.UpstreamReplies.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                    return;
                reply = await c.UpstreamReplies.Reader.ReadAsync(ct).ConfigureAwait(false);
            }

            if (slot.LoseReply)
            {
                // The server has the message; the client never learns it.
                Interlocked.Increment(ref _connectionsDropped);
                c.Close(abort: true);
                return;
            }

            if (slot.HoldReply)
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);

            var delay = _faults.ReplyDelay;
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay, ct).ConfigureAwait(false);
            await c.ClientStream.WriteAsync(Encoding.ASCII.GetBytes(reply), ct).ConfigureAwait(false);

            var code = int.TryParse(reply.AsSpan(0, Math.Min(3, reply.Length)), out var n) ? n : 0;
            if (slot.EndOfData && code is >= 200 and < 300)
                _accepted.Enqueue(DateTimeOffset.UtcNow);
            slot.Replied?.TrySetResult(code);
            if (slot.CloseAfter || code is 221 or 421)
                return;
        }
    }

    private bool Roll(SmtpFaults faults, SmtpFaultCommands command, string key) =>
        RollRate(faults, command.ToString(), key, faults.TransientFailureCommands.HasFlag(command) ? faults.TransientFailureRate : 0);

    /// <summary>Counts every occurrence, faulty or not, so a run's faults depend only on the seed and the command sequence.</summary>
    private bool RollRate(SmtpFaults faults, string kind, string key, double rate)
    {
        var occurrence = _occurrences.AddOrUpdate((kind, key), 1, (_, n) => n + 1);
        if (rate <= 0)
            return false;
        if (rate >= 1)
            return true;

        // FNV-1a: stable across processes, unlike string.GetHashCode.
        var hash = 14695981039346656037UL;
        foreach (var ch in $"{faults.Seed}|{kind}|{key}|{occurrence}")
            hash = (hash ^ ch) * 1099511628211UL;
        // FNV-1a barely changes its high bits when only the last characters differ (the occurrence count), so without
        // this finaliser (MurmurHash3's fmix64) the same recipient failed or passed on many attempts in a row.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (hash >> 11) * (1.0 / (1UL << 53)) < rate;
    }

    private static string AddressOf(string command)
    {
        var open = command.IndexOf('<');
        var close = command.IndexOf('>', open + 1);
        return (open >= 0 && close > open ? command[(open + 1)..close] : command[5..]).ToLowerInvariant();
    }

    private static bool IsDotLine(ReadOnlySequence<byte> line)
    {
        if (line.Length is not (2 or 3))
            return false;
        Span<byte> bytes = stackalloc byte[3];
        line.CopyTo(bytes);
        return bytes[0] == (byte)'.' && (line.Length == 2 ? bytes[1] == (byte)'\n' : bytes[1] == (byte)'\r' && bytes[2] == (byte)'\n');
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, buffer.GetPosition(1, newline.Value));
        buffer = buffer.Slice(line.End);
        return true;
    }

    private static async ValueTask WriteAsync(Stream stream, ReadOnlySequence<byte> bytes, CancellationToken ct)
    {
        foreach (var segment in bytes)
            await stream.WriteAsync(segment, ct).ConfigureAwait(false);
    }

    /// <param name="LocalReply">The reply the proxy makes up, or null to relay the server's next reply.</param>
    /// <param name="CloseAfter">Close the connection once this reply is written (421).</param>
    /// <param name="EndOfData">The reply to the end of a message's content: a 2xx is an accepted message.</param>
    /// <param name="Replied">Completed with the reply code once the client has it.</param>
    /// <param name="LoseReply">Read the server's reply, then cut the connection without passing it on.</param>
    /// <param name="HoldReply">Read the server's reply, and never pass it on (until the proxy stops).</param>
    private sealed record Slot(string? LocalReply, bool CloseAfter = false, bool EndOfData = false, TaskCompletionSource<int>? Replied = null,
        bool LoseReply = false, bool HoldReply = false);

    private sealed class Connection(Socket client, Socket upstream, CancellationTokenSource cancellation)
    {
        private int _closed;

        public Socket UpstreamSocket { get; } = upstream;

        public NetworkStream ClientStream { get; } = new(client, ownsSocket: true);

        public NetworkStream UpstreamStream { get; } = new(upstream, ownsSocket: true);

        public CancellationTokenSource Cancellation { get; } = cancellation;

        /// <summary>Replies owed to the client, in command order.</summary>
        public Channel<Slot> Slots { get; } = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true });

        public Channel<string> UpstreamReplies { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        /// <param name="abort">Reset both connections (RST) instead of closing them in order.</param>
        public void Close(bool abort)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
                return;
            if (abort)
            {
                client.LingerState = new LingerOption(true, 0);
                UpstreamSocket.LingerState = new LingerOption(true, 0);
            }

            Cancellation.Cancel();
            ClientStream.Dispose();
            UpstreamStream.Dispose();
        }
    }
}
