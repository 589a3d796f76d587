using System.Net;
using System.Net.Sockets;
using Newsletter.Delivery.Transports;

namespace Newsletter.Tests.Delivery;

/// <summary>The SMTP connection's stream: writes leave in one piece when MailKit flushes, and "handed over" is the end-of-data marker.</summary>
public sealed class SmtpWireStreamTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private Socket _server = null!;
    private SmtpWireStream _wire = null!;

    public async Task InitializeAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptSocketAsync();
        client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        _server = await accepting.WaitAsync(Wait);
        _wire = new SmtpWireStream(client);
    }

    public Task DisposeAsync()
    {
        _wire.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    private async Task<int> ArrivedAsync(int expected)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (_server.Available < expected && DateTime.UtcNow < deadline)
            await Task.Delay(10);
        return _server.Available;
    }

    [Fact(Timeout = 30_000)]
    public async Task Write_HoldsTheBytesUntilFlush_SoAMessageLeavesInOneSendInsteadOfOnePer4KbBlock()
    {
        var block = new byte[4096];
        for (var i = 0; i < 7; i++)
            _wire.Write(block);

        await Task.Delay(200);
        Assert.Equal(0, _server.Available);

        _wire.Flush();
        Assert.Equal(7 * 4096, await ArrivedAsync(7 * 4096));
    }

    [Fact(Timeout = 30_000)]
    public async Task Read_SendsWhatIsHeldFirst_SoNoReplyIsAwaitedForBytesStillInTheBuffer()
    {
        _wire.Write("QUIT\r\n"u8);
        var reading = Task.Run(() => _wire.Read(new byte[64], 0, 64));

        Assert.Equal(6, await ArrivedAsync(6));
        _server.Send("221 bye\r\n"u8);
        Assert.Equal(9, await reading.WaitAsync(Wait));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("line\r\n.\r\n")]
    [InlineData("line\r\n|.\r\n")]
    [InlineData("line\r|\n|.|\r|\n")]
    public async Task HandedOver_IsTrue_OnceTheEndOfDataMarkerIsWritten_WhereverTheWritesSplitIt(string writesSplitAtBars)
    {
        foreach (var write in writesSplitAtBars.Split('|'))
        {
            Assert.False(_wire.HandedOver);
            _wire.Write(System.Text.Encoding.ASCII.GetBytes(write));
        }

        Assert.True(_wire.HandedOver);
        _wire.ResetHandedOver();
        Assert.False(_wire.HandedOver);
        await Task.CompletedTask;
    }

    [Fact(Timeout = 30_000)]
    public async Task HandedOver_StaysFalse_ForADotStuffedLineInsideTheMessage()
    {
        _wire.Write("DATA\r\n"u8);
        _wire.Write("first\r\n..\r\nlast\r\n"u8);

        Assert.False(_wire.HandedOver);
        await Task.CompletedTask;
    }
}
