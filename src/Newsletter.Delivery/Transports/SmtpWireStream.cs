using System.Net.Sockets;

namespace Newsletter.Delivery.Transports;

/// <summary>
/// The SMTP connection's socket as MailKit sees it (<c>SmtpClient.Connect(Stream, …)</c>). It does two things:
/// <list type="bullet">
/// <item>Coalesces writes: MailKit writes a message in 4 KB blocks, which with TCP_NODELAY was one <c>send()</c> each (about
/// eight per 30 KB message). Writes are buffered and go out in one call when MailKit flushes, when the buffer is full, and
/// always before a read, so nothing ever waits for a reply to bytes still held here.</item>
/// <item>Notes when a message has been handed over: the end-of-data marker <c>CRLF . CRLF</c>, which dot-stuffing makes unique
/// in the stream, has been given to the socket. From then on the server may have the message even if its reply never
/// comes. This replaces MailKit's <c>ITransferProgress</c>, which made MailKit write every message twice to measure it.</item>
/// </list>
/// Not thread-safe, like the SMTP session it serves. Closing it (or its socket) from another thread fails the call in progress.
/// </summary>
internal sealed class SmtpWireStream(Socket socket) : Stream
{
    private const int BufferSize = 64 * 1024;

    private static ReadOnlySpan<byte> EndOfData => "\r\n.\r\n"u8;

    private readonly NetworkStream _inner = new(socket, ownsSocket: true);
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _buffered;

    /// <summary>The last four bytes written before the current write, so a marker split across two writes is still seen.</summary>
    private uint _tail;

    /// <summary>True once the end-of-data marker has been written since <see cref="ResetHandedOver"/>.</summary>
    public bool HandedOver { get; private set; }

    public void ResetHandedOver() => HandedOver = false;

    /// <summary>
    /// Ends the connection from another thread: a shutdown wakes a thread blocked in a read or a write on it (closing the
    /// descriptor alone does not, on Linux), then the socket is closed.
    /// </summary>
    public void Abort() => Abort(socket);

    /// <inheritdoc cref="Abort()"/>
    public static void Abort(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed or never connected: nothing to wake.
        }
        socket.Dispose();
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override bool CanTimeout => true;

    public override int ReadTimeout { get => _inner.ReadTimeout; set => _inner.ReadTimeout = value; }

    public override int WriteTimeout { get => _inner.WriteTimeout; set => _inner.WriteTimeout = value; }

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Flush();
        return _inner.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Note(buffer);
        if (_buffered + buffer.Length > BufferSize)
        {
            Flush();
            if (buffer.Length > BufferSize)
            {
                _inner.Write(buffer);
                return;
            }
        }
        buffer.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Note(buffer.Span);
        if (_buffered + buffer.Length > BufferSize)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (buffer.Length > BufferSize)
            {
                await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        buffer.Span.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        if (_buffered == 0)
            return;
        var count = _buffered;
        _buffered = 0;
        _inner.Write(_buffer, 0, count);
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffered == 0)
            return;
        var count = _buffered;
        _buffered = 0;
        await _inner.WriteAsync(_buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Looks for the end-of-data marker at the end of this write (MailKit flushes right after it and waits for the reply).</summary>
    private void Note(ReadOnlySpan<byte> written)
    {
        if (written.IsEmpty)
            return;
        Span<byte> last = stackalloc byte[EndOfData.Length];
        var fromWrite = Math.Min(written.Length, last.Length);
        var fromTail = last.Length - fromWrite;
        for (var i = 0; i < fromTail; i++)
            last[i] = (byte)(_tail >> (8 * (fromTail - 1 - i)));
        written[^fromWrite..].CopyTo(last[fromTail..]);
        if (last.SequenceEqual(EndOfData))
            HandedOver = true;
        // Keep the last four bytes for the next write.
        _tail = (uint)(last[1] << 24 | last[2] << 16 | last[3] << 8 | last[4]);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
