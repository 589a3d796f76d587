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
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not JsonConfigurationSource { ReloadOnChange: false, FileProvider: PhysicalFileProvider files } json) continue;
            // Its own provider over the same folder (the content root's may already be watched by the web host): it polls only
            // the files asked for, and active polling raises the change without anyone asking the token.
            json.FileProvider = new PhysicalFileProvider(files.Root) { UsePollingFileWatcher = true, UseActivePolling = true };
            json.ReloadOnChange = true;
            // Setting the entry rebuilds the configuration's providers, and the rebuilt one watches its file.
            sources[i] = json;
        }
    }
}
