using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>
/// In <c>newsletter run</c>: re-reads the lists as soon as appsettings.json or a CSV file it names changes, so the log says
/// at once whether the edit took (and the dashboard's /sends page shows a rejected one). Sends do not depend on it: they
/// read the lists afresh anyway.
/// </summary>
public sealed partial class ListsReloader(MailingListCatalog catalog, IConfiguration configuration, ILogger<ListsReloader> logger) : BackgroundService
{
    /// <summary>Editors save in several writes; wait for the burst to end before reading.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly SemaphoreSlim _changed = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        catalog.Refresh(stoppingToken);
        using var configChanges = ChangeToken.OnChange(configuration.GetReloadToken, Signal);
        while (!stoppingToken.IsCancellationRequested)
        {
            using var files = WatchSubscriberFiles();
            await _changed.WaitAsync(stoppingToken);
            await Task.Delay(Settle, stoppingToken);
            while (_changed.CurrentCount > 0) await _changed.WaitAsync(stoppingToken);
            try
            {
                catalog.Refresh(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReloadFailed(ex);
            }
        }
    }

    private void Signal()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // A reload is already due.
        }
    }

    /// <summary>
    /// One provider per folder holding a CSV file, re-created after each reload because the set of files may change. It polls
    /// just those files (about every 4 seconds): a FileSystemWatcher would watch the folder's whole tree and wake for every
    /// unrelated write in it, such as the delivery log's SQLite writes when a list sits beside data/.
    /// </summary>
    private CompositeDisposable WatchSubscriberFiles()
    {
        var watchers = new CompositeDisposable();
        foreach (var folder in catalog.SubscriberFiles().GroupBy(f => Path.GetDirectoryName(f)!))
        {
            if (!Directory.Exists(folder.Key)) continue;
            var provider = new PhysicalFileProvider(folder.Key) { UsePollingFileWatcher = true, UseActivePolling = true };
            watchers.Add(provider);
            foreach (var file in folder)
            {
                watchers.Add(ChangeToken.OnChange(() => provider.Watch(Path.GetFileName(file)), Signal));
            }
        }
        return watchers;
    }

    private sealed class CompositeDisposable : IDisposable
    {
        private readonly List<IDisposable> _items = [];

        public void Add(IDisposable item) => _items.Add(item);

        public void Dispose()
        {
            foreach (var item in _items) item.Dispose();
        }
    }

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "Could not re-read the lists after an edit; the last good lists stay in force")]
    private partial void LogReloadFailed(Exception exception);
}
