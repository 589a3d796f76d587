using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Newsletter.Tests.Support;

/// <summary>
/// The PostgreSQL server the tests use, one per test run: the one named by <c>NEWSLETTER_TEST_POSTGRES</c> (an Npgsql connection
/// string to a superuser; tests/run.sh sets it), or else a throwaway cluster started here with Debian's PostgreSQL binaries
/// (initdb into a temporary folder as the <c>postgres</c> user, 127.0.0.1, a free port), stopped when the test run ends.
/// The benchmarks use this same file (linked into their project) for the server their <c>--postgres</c> option names.
/// </summary>
/// <remarks>Neither available: every PostgreSQL test fails with how to install it. They never skip silently.</remarks>
public sealed class PostgreSqlServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "NEWSLETTER_TEST_POSTGRES";
    private const string FolderPrefix = "newsletter-pg-";
    private const string OwnerFile = "owner.pid";
    private static readonly Lazy<Task<PostgreSqlServer>> SharedServer = new(StartAsync);
    private readonly string? _folder;
    private readonly string? _binaries;
    private readonly int _port;

    private PostgreSqlServer(string adminConnectionString, string? folder, string? binaries, int port = 0)
    {
        AdminConnectionString = adminConnectionString;
        _folder = folder;
        _binaries = binaries;
        _port = port;
    }

    /// <summary>A superuser's connection string to the <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>The server for this test run, started on first use.</summary>
    public static Task<PostgreSqlServer> SharedAsync() => SharedServer.Value;

    /// <summary>A server someone else runs and keeps running (the benchmark's <c>--postgres</c>), given a superuser's connection string.</summary>
    public static PostgreSqlServer At(string adminConnectionString) => new(adminConnectionString, null, null);

    /// <summary>Creates an empty database of its own and returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync() =>
        CreateDatabaseAsync("newsletter_test_" + Guid.NewGuid().ToString("N")[..12], CancellationToken.None);

    /// <summary>Creates the empty database <paramref name="name"/> and returns its connection string.</summary>
    /// <exception cref="InvalidOperationException">The server refused or cannot be reached; the message names its host and port.</exception>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await ExecuteAsync($"CREATE DATABASE \"{name}\"", cancellationToken);
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database <paramref name="name"/>, ending any sessions a killed worker process left behind.</summary>
    /// <exception cref="InvalidOperationException">The server refused or cannot be reached; the message names its host and port.</exception>
    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools();
        // FORCE: a killed worker process's session may still be ending.
        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", cancellationToken);
    }

    /// <summary>The server's host and port, for messages.</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString);
        return $"{builder.Host}:{builder.Port}";
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"PostgreSQL at {Describe()}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A cluster of the caller's own, whatever <c>NEWSLETTER_TEST_POSTGRES</c> says, for a test that stops or restarts the server
    /// under a running send (the shared one serves other tests). The caller disposes it.
    /// </summary>
    public static Task<PostgreSqlServer> StartOwnAsync() => StartClusterAsync();

    /// <summary><c>pg_ctl restart -m fast</c>: every session is ended at once, and the server is back when this returns.</summary>
    public Task RestartAsync() => PgCtlAsync("-m", "fast", "-w", "restart");

    /// <summary><c>pg_ctl stop -m fast</c>: every session is ended, and nothing answers on the port until <see cref="StartAgainAsync"/>.</summary>
    public Task StopAsync() => PgCtlAsync("-m", "fast", "-w", "stop");

    /// <summary>Starts a stopped cluster again on the same port.</summary>
    public Task StartAgainAsync() => PgCtlAsync("-o", ServerOptions(_port), "-l", Path.Combine(_folder!, "log"), "-w", "start");

    private Task PgCtlAsync(params string[] args)
    {
        if (_folder is null || _binaries is null)
        {
            throw new InvalidOperationException("Only a cluster this test run started can be stopped or restarted.");
        }
        return RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), .. args], Environment.UserName == "root" ? "postgres" : null);
    }

    private string ServerOptions(int port) => $"-p {port} -k {_folder} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off";

    private static async Task<PostgreSqlServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            await using var probe = new NpgsqlConnection(given);
            try
            {
                await probe.OpenAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
            {
                throw new InvalidOperationException($"{EnvironmentVariable} is set but its server cannot be reached: {ex.Message}", ex);
            }
            return new PostgreSqlServer(given, null, null);
        }

        var server = await StartClusterAsync();
        // xunit has no assembly-wide fixture; the cluster lives as long as the test process and stops with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private static async Task<PostgreSqlServer> StartClusterAsync()
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            "The PostgreSQL tests need PostgreSQL: install it (Debian/Ubuntu: `sudo apt-get install -y postgresql`; the tests start a " +
            $"throwaway cluster with its initdb and pg_ctl), or set {EnvironmentVariable} to an Npgsql connection string of a superuser " +
            "(Host=127.0.0.1;Port=5432;Username=postgres;Password=…).");

        await StopAbandonedClustersAsync(binaries);
        var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        // The test host is often ended without running ProcessExit handlers; the next run stops what this one leaves.
        await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres user the package created.
            await RunAsync("chown", ["postgres", folder], null);
        }

        var port = FreePort();
        var data = Path.Combine(folder, "data");
        await RunAsync(Path.Combine(binaries, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], asRoot ? "postgres" : null);
        var server = new PostgreSqlServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=30", folder, binaries, port);
        await server.StartAgainAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is null || _binaries is null)
        {
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "stop"],
            Environment.UserName == "root" ? "postgres" : null, throwOnFailure: false);
        // The server may still be removing its files for a moment after pg_ctl returns.
        for (var attempt = 0; attempt < 10 && Directory.Exists(_folder); attempt++)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Stops and deletes the clusters of earlier test runs whose test process is gone.</summary>
    private static async Task StopAbandonedClustersAsync(string binaries)
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var owner = Path.Combine(folder, OwnerFile);
            if (!File.Exists(owner) || !int.TryParse(await File.ReadAllTextAsync(owner), out var pid) || IsRunning(pid))
            {
                continue;
            }
            await new PostgreSqlServer("", folder, binaries).DisposeAsync();
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }
        // The newest installed major version, 15 on the machines this project runs on.
        return Directory.GetDirectories(root)
            .Select(dir => Path.Combine(dir, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args, string? asUser, bool throwOnFailure = true)
    {
        var start = asUser is null ? new ProcessStartInfo(program) : new ProcessStartInfo("su");
        if (asUser is null)
        {
            foreach (var arg in args) start.ArgumentList.Add(arg);
        }
        else
        {
            start.ArgumentList.Add(asUser);
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(string.Join(' ', new[] { program }.Concat(args).Select(Quote)));
        }
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''") + "'";
}
