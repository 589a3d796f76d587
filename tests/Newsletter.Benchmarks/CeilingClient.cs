using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Newsletter.Benchmarks;

/// <summary>
/// The ceiling line (issue #17): what .NET itself reaches on this machine with no MailKit, no MimeKit and no store. A minimal
/// SMTP client on raw blocking sockets, one thread per connection, writes one pre-encoded message (the sample issue as the
/// pipeline sends it, dot-stuffed once) over and over: MAIL FROM, RCPT TO and DATA in one write (the sink offers PIPELINING),
/// the three replies read, then the message and its end marker in one write, and its reply read. A benchmark tool only: it
/// checks nothing but the reply codes, and is never the product's transport.
/// </summary>
internal static class CeilingClient
{
    /// <summary>Sends <paramref name="messages"/> copies of <paramref name="message"/> over <paramref name="connections"/> connections.</summary>
    /// <returns>Wall time from the first connect to the last reply.</returns>
    /// <exception cref="InvalidOperationException">The sink answered with something other than the expected code.</exception>
    public static TimeSpan Run(IPEndPoint sink, byte[] message, int messages, int connections, CancellationToken ct)
    {
        var data = DotStuff(message);
        var envelope = "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n"u8.ToArray();
        var next = 0;
        Exception? failure = null;
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, connections).Select(c => new Thread(() => Connection(sink, envelope, data, () => Interlocked.Increment(ref next) <= messages, ct))
        {
            IsBackground = true,
            Name = $"ceiling {c}",
        }).ToList();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        clock.Stop();
        return failure is null ? clock.Elapsed : throw new InvalidOperationException(failure.Message, failure);

        void Connection(IPEndPoint endpoint, byte[] envelopeBytes, byte[] body, Func<bool> take, CancellationToken token)
        {
            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Connect(endpoint);
                var replies = new ReplyReader(socket);
                replies.Expect(220);
                socket.Send("EHLO ceiling.test\r\n"u8);
                replies.Expect(250);
                while (take() && !token.IsCancellationRequested)
                {
                    socket.Send(envelopeBytes);
                    replies.Expect(250);
                    replies.Expect(250);
                    replies.Expect(354);
                    socket.Send(body);
                    replies.Expect(250);
                }
                socket.Send("QUIT\r\n"u8);
            }
            catch (Exception e) when (e is SocketException or InvalidOperationException)
            {
                failure ??= e;
            }
        }
    }

    /// <summary>The message as DATA carries it: CRLF line breaks, a '.' doubled at the start of a line, then CRLF . CRLF.</summary>
    private static byte[] DotStuff(byte[] message)
    {
        var text = Encoding.Latin1.GetString(message).ReplaceLineEndings("\r\n");
        if (!text.EndsWith("\r\n", StringComparison.Ordinal))
            text += "\r\n";
        var stuffed = (text.StartsWith('.') ? "." : "") + text.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(stuffed + ".\r\n");
    }

    /// <summary>Reads SMTP replies (multi-line ones included) from a blocking socket.</summary>
    private sealed class ReplyReader(Socket socket)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        /// <exception cref="InvalidOperationException">The reply's code is not <paramref name="code"/>, or the connection closed.</exception>
        public void Expect(int code)
        {
            while (true)
            {
                var line = ReadLine();
                if (line.Length < 3 || int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture) != code)
                    throw new InvalidOperationException($"The sink answered '{line}' where {code} was expected.");
                if (line.Length == 3 || line[3] != '-')
                    return;
            }
        }

        private string ReadLine()
        {
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    var line = Encoding.ASCII.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                    _start = newline + 1;
                    return line;
                }
                if (_start > 0)
                {
                    Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                var read = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
                if (read == 0)
                    throw new InvalidOperationException("The sink closed the connection.");
                _end += read;
            }
        }
    }
}
