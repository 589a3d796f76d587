using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Newsletter.Tests.Web;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket, no driver package and no browser download):
/// navigate, click, read the page. One page per instance; every wait has a timeout.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string DefaultPath = "/usr/bin/chromium";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Process process;
    private readonly string profile;
    private readonly ClientWebSocket socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> calls = new();
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<string> logEntries = new();
    private TaskCompletionSource loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int nextId;
    private Task receiving = Task.CompletedTask;

    private HeadlessChromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    /// <summary>The browser to use: NEWSLETTER_CHROMIUM, else /usr/bin/chromium.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("NEWSLETTER_CHROMIUM") is { Length: > 0 } path ? path : DefaultPath;

    /// <exception cref="InvalidOperationException">Chromium is not installed, or did not open its DevTools port.</exception>
    public static async Task<HeadlessChromium> StartAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser test needs headless Chromium at {ExecutablePath}, which is missing. Install it with " +
                "`apt-get update && apt-get install -y chromium` (.ci/run does this), or point NEWSLETTER_CHROMIUM at a Chromium binary.");
        }

        var profile = Path.Combine(Path.GetTempPath(), "newsletter-tests", "chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile}",
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank",
                 })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new HeadlessChromium(process, profile);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectAsync()
    {
        // Chromium writes the port it picked (and the browser's path) to this file once it listens.
        var portFile = Path.Combine(profile, "DevToolsActivePort");
        var deadline = DateTime.UtcNow + Timeout;
        string[] lines = [];
        while (lines.Length < 1 || string.IsNullOrWhiteSpace(lines[0]))
        {
            if (process.HasExited) throw new InvalidOperationException($"Chromium exited with code {process.ExitCode} before opening its DevTools port.");
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"Chromium did not open its DevTools port within {Timeout}.");
            await Task.Delay(100);
            try
            {
                if (File.Exists(portFile)) lines = await File.ReadAllLinesAsync(portFile);
            }
            catch (IOException)
            {
            }
        }

        using var http = new HttpClient { Timeout = Timeout };
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{lines[0].Trim()}/json/list"))!.AsArray();
        var page = targets.First(t => (string?)t!["type"] == "page")!;
        using var connectTimeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), connectTimeout.Token);
        receiving = Task.Run(ReceiveAsync);
        await CallAsync("Page.enable");
        await CallAsync("Log.enable");
    }

    /// <summary>What the browser logged (as "source level: text"), e.g. "security error: Refused to execute inline script…" for a blocked script.</summary>
    public IReadOnlyList<string> LogEntries => logEntries.ToArray();

    /// <summary>Opens the URL and waits for its load event.</summary>
    public async Task NavigateAsync(Uri url)
    {
        var load = ExpectLoad();
        await CallAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        await load.WaitAsync(Timeout);
    }

    /// <summary>Clicks the element the CSS selector finds, and waits for the page it leads to (a form submission).</summary>
    public async Task ClickAndWaitForLoadAsync(string selector)
    {
        var load = ExpectLoad();
        var found = await EvaluateAsync($"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); if (!e) return false; e.click(); return true; }})()");
        if (found?.GetValue<bool>() != true) throw new InvalidOperationException($"No element matches {selector}.");
        await load.WaitAsync(Timeout);
    }

    /// <summary>The visible text of the page.</summary>
    public async Task<string> TextAsync() => (await EvaluateAsync("document.body.innerText"))?.GetValue<string>() ?? "";

    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (result?["exceptionDetails"] is { } error) throw new InvalidOperationException($"Script failed: {error.ToJsonString()}");
        return result?["result"]?["value"]?.DeepClone();
    }

    private Task ExpectLoad()
    {
        loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return loaded.Task;
    }

    private async Task<JsonNode?> CallAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref nextId);
        var reply = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        calls[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        using var sendTimeout = new CancellationTokenSource(Timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, sendTimeout.Token);
        return await reply.Task.WaitAsync(Timeout);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var chunk = await socket.ReceiveAsync(buffer, stop.Token);
                if (chunk.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, chunk.Count);
                if (!chunk.EndOfMessage) continue;

                var node = JsonNode.Parse(message.ToArray());
                message.SetLength(0);
                if (node?["id"] is { } id && calls.TryRemove((int)id, out var reply))
                {
                    if (node["error"] is { } error) reply.TrySetException(new InvalidOperationException($"DevTools error: {error.ToJsonString()}"));
                    else reply.TrySetResult(node["result"]);
                }
                else if ((string?)node?["method"] == "Page.loadEventFired")
                {
                    loaded.TrySetResult();
                }
                else if ((string?)node?["method"] == "Log.entryAdded" && node["params"]?["entry"] is { } entry)
                {
                    logEntries.Enqueue($"{(string?)entry["source"]} {(string?)entry["level"]}: {(string?)entry["text"]}");
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        foreach (var call in calls.Values) call.TrySetCanceled();
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        socket.Abort();
        socket.Dispose();
        await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
        }
        process.Dispose();
        stop.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
