using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Newsletter.Worker.Hosting;

/// <summary>
/// appsettings.json (and appsettings.{Environment}.json) reload on change by polling those files, about every 4 seconds,
/// instead of the host's default FileSystemWatcher on the whole content root: that watcher woke for every SQLite write under
/// data/ (several per message sent) and cost about 10% of the CPU of a send.
/// </summary>
public static class ConfigurationFilePolling
{
    /// <summary>Builder arguments that make the defaults add the JSON files without a watcher, so none is started before <see cref="WatchJsonFilesByPolling"/>.</summary>
    public static string[] WithUnwatchedDefaults(string[]? args) => [.. args ?? [], "--hostBuilder:reloadConfigOnChange=false"];

    /// <summary>Turns reload-on-change back on for the default JSON files, now through a polling file provider.</summary>
    public static void WatchJsonFilesByPolling(IHostApplicationBuilder builder)
    {
        var sources = builder.Configuration.Sources;
        var replaced = sources.Select(Polled).ToList();
        // Setting one entry of the configuration's sources reloads every file, and a list written inline in appsettings.json
        // makes that file large: cleared and added back, each file is read once more, not once per file replaced.
        sources.Clear();
        foreach (var source in replaced) sources.Add(source);
    }

    private static IConfigurationSource Polled(IConfigurationSource source)
    {
        if (source is not JsonConfigurationSource { ReloadOnChange: false, FileProvider: PhysicalFileProvider files, Path: { } path } json) return source;
        // Its own provider over the same folder (the content root's may already be watched by the web host): it polls only
        // the files asked for, and active polling raises the change without anyone asking the token.
        return new LastGoodJsonConfigurationSource
        {
            Path = path,
            Optional = json.Optional,
            FileProvider = new PhysicalFileProvider(files.Root) { UsePollingFileWatcher = true, UseActivePolling = true },
            ReloadOnChange = true,
            ReloadDelay = json.ReloadDelay,
            OnLoadException = json.OnLoadException,
        };
    }

    /// <summary>
    /// Tells <paramref name="report"/> each time an edit of a watched settings file is rejected because it does not parse
    /// (<see cref="LastGoodJsonConfigurationProvider"/> keeps the configuration read before it).
    /// </summary>
    public static void OnRejectedEdit(IConfiguration configuration, Action<string, Exception> report)
    {
        if (configuration is not IConfigurationRoot root) return;
        foreach (var provider in root.Providers.OfType<LastGoodJsonConfigurationProvider>())
        {
            provider.EditRejected = report;
        }
    }
}

/// <summary>A JSON settings file whose provider keeps its last good values when an edit does not parse.</summary>
public sealed class LastGoodJsonConfigurationSource : JsonConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new LastGoodJsonConfigurationProvider(this);
    }
}

/// <summary>
/// Reads a JSON settings file like the framework's provider, except on a reload that fails: the framework empties the file's
/// values until it is fixed, so a half-saved appsettings.json would silently turn every setting in it back to its default in a
/// running worker (the schedule, the sending limits). This keeps the values read before the edit and reports the error. At
/// start-up a file that does not parse still stops the host, naming the file and line.
/// </summary>
public sealed class LastGoodJsonConfigurationProvider(JsonConfigurationSource source) : JsonConfigurationProvider(source)
{
    private bool _loaded;

    /// <summary>Told the file's path and the parse error each time an edit is rejected.</summary>
    public Action<string, Exception>? EditRejected { get; set; }

    public override void Load(Stream stream)
    {
        if (!_loaded)
        {
            base.Load(stream);
            _loaded = true;
            return;
        }

        var lastGood = Data;
        try
        {
            base.Load(stream);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            Data = lastGood;
            EditRejected?.Invoke(Source.Path ?? "", ex.InnerException ?? ex);
        }
    }
}
