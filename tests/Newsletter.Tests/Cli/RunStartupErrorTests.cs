using System.Net;
using System.Net.Sockets;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Cli;

/// <summary>
/// `run`, the real executable, stopped at start by a mistake in its configuration: one line naming the key or the address,
/// exit code 2, and no stack trace (neither the exception's nor the host's "Hosting failed to start" log).
/// </summary>
public sealed class RunStartupErrorTests : IDisposable
{
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    private static string ErrorLine(CliProcess.Result result)
    {
        var all = result.Output + result.Error;
        Assert.True(result.ExitCode == 2, all);
        Assert.DoesNotContain("   at ", all);
        Assert.DoesNotContain("Hosting failed to start", all);
        Assert.DoesNotContain("Exception", all);
        return Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_ExitsWithCode2NamingTheVariableAndTheValue_WhenWebUrlsIsNotAnAddress()
    {
        _environment.Settings["Newsletter:Web:Urls"] = "not a url";

        var line = ErrorLine(await CliProcess.RunAsync(_environment, null, "run"));

        Assert.Equal("error: environment variable Newsletter__Web__Urls: Newsletter:Web:Urls has \"not a url\", which is not an address to listen on; " +
                     "write one or more separated by ';', each a scheme, host and port, e.g. http://127.0.0.1:5080.", line);
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_ExitsWithCode2NamingTheAddressAndTheKey_WhenAnotherProcessHoldsThePort()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        _environment.Settings["Newsletter:Web:Urls"] = $"http://127.0.0.1:{port}";

        var line = ErrorLine(await CliProcess.RunAsync(_environment, null, "run"));

        Assert.Equal($"error: Failed to bind to address http://127.0.0.1:{port}: address already in use (environment variable Newsletter__Web__Urls). " +
                     "Another process is listening there: stop it, or give Newsletter:Web:Urls another port.", line);
    }
}
