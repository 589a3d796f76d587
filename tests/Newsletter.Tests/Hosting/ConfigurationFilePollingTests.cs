using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Primitives;
using Newsletter.Tests.Support;
using Newsletter.Worker.Hosting;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// appsettings.json still reloads on change, but by polling that file: a FileSystemWatcher on the content root woke for every
/// SQLite write under data/.
/// </summary>
public sealed class ConfigurationFilePollingTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly TestEnvironment _environment = new();

    public void Dispose() => _environment.Dispose();

    [Fact]
    public void HostAppSettings_AreWatchedByPollingTheFile_NotByAWatcherOnTheContentRoot()
    {
        using var host = NewsletterHost.Create(new HostSettings(RunJobServer: false, _environment.Settings));

        var root = Assert.IsAssignableFrom<IConfigurationRoot>(host.Services.GetService(typeof(IConfiguration)));
        var appSettings = Assert.Single(root.Providers.OfType<JsonConfigurationProvider>(), p => p.Source.Path == "appsettings.json");
        Assert.True(appSettings.Source.ReloadOnChange);
        var files = Assert.IsType<PhysicalFileProvider>(appSettings.Source.FileProvider);
        Assert.True(files.UseActivePolling);
        // A FileSystemWatcher-backed provider hands out a bare cancellation token; a polling one adds a token that checks
        // just this file's time stamp (and, with active polling, starts no FileSystemWatcher).
        var token = Assert.IsType<CompositeChangeToken>(files.Watch("appsettings.json"));
        Assert.Contains(token.ChangeTokens, t => t is PollingFileChangeToken);
    }

    [Fact]
    public async Task WebAppSettings_AreWatchedByPollingEachFile()
    {
        await using var app = NewsletterWebApp.Build(new HostSettings(RunJobServer: false, _environment.Settings), "http://127.0.0.1:0");

        var root = Assert.IsAssignableFrom<IConfigurationRoot>(app.Configuration);
        var watched = root.Providers.OfType<JsonConfigurationProvider>().Where(p => p.Source.Path!.StartsWith("appsettings", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(watched);
        Assert.All(watched, p =>
        {
            Assert.True(p.Source.ReloadOnChange);
            var token = Assert.IsType<CompositeChangeToken>(p.Source.FileProvider!.Watch(p.Source.Path!));
            Assert.Contains(token.ChangeTokens, t => t is PollingFileChangeToken);
        });
    }

    [Fact]
    public async Task AppSettingsEdit_IsReloaded_WhenWatchedByPolling()
    {
        var settingsFile = Path.Combine(_environment.Directory, "appsettings.json");
        await File.WriteAllTextAsync(settingsFile, """{ "Probe": "before" }""");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = ConfigurationFilePolling.WithUnwatchedDefaults(null),
            ContentRootPath = _environment.Directory,
        });
        ConfigurationFilePolling.WatchJsonFilesByPolling(builder);
        using var host = builder.Build();
        var configuration = (IConfiguration)host.Services.GetService(typeof(IConfiguration))!;
        Assert.Equal("before", configuration["Probe"]);
        // Writes beside the file, as the delivery log does under data/, change nothing.
        Directory.CreateDirectory(Path.Combine(_environment.Directory, "data"));
        await File.WriteAllTextAsync(Path.Combine(_environment.Directory, "data", "other.db-wal"), "x");

        await File.WriteAllTextAsync(settingsFile, """{ "Probe": "after" }""");

        var deadline = DateTime.UtcNow + Wait;
        while (configuration["Probe"] != "after")
        {
            Assert.True(DateTime.UtcNow < deadline, $"appsettings.json was not reloaded within {Wait}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task AppSettingsEdit_ThatIsNotJson_KeepsTheSettingsReadBeforeItAndIsReported()
    {
        var settingsFile = Path.Combine(_environment.Directory, "appsettings.json");
        await File.WriteAllTextAsync(settingsFile, """{ "Probe": "before", "Newsletter": { "Sending": { "PerSecond": 5 } } }""");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = ConfigurationFilePolling.WithUnwatchedDefaults(null),
            ContentRootPath = _environment.Directory,
        });
        ConfigurationFilePolling.WatchJsonFilesByPolling(builder);
        using var host = builder.Build();
        var configuration = (IConfigurationRoot)host.Services.GetService(typeof(IConfiguration))!;
        // As `run` does (NewsletterWebApp): a reload error must not throw on the polling thread.
        foreach (var provider in configuration.Providers.OfType<JsonConfigurationProvider>())
            provider.Source.OnLoadException = context => context.Ignore = true;
        var rejected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        ConfigurationFilePolling.OnRejectedEdit(configuration, (file, error) => rejected.TrySetResult($"{file}: {error.Message}"));
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = configuration.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);

        // Saved half-way: a rate limit that silently fell back to "none" would be worse than keeping the old one.
        await File.WriteAllTextAsync(settingsFile, """{ "Probe": "after", "Newsletter": { "Sending": """);

        await reloaded.Task.WaitAsync(Wait);
        Assert.Equal("before", configuration["Probe"]);
        Assert.Equal("5", configuration["Newsletter:Sending:PerSecond"]);
        Assert.StartsWith("appsettings.json: ", await rejected.Task.WaitAsync(Wait));
    }
}
