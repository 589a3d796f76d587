using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Newsletter.Rendering.Preview;

/// <summary>
/// One tab of a <see cref="HeadlessChromium"/>, opened with <see cref="HeadlessChromium.OpenPageAsync"/>: load HTML or a URL,
/// click, read the page, capture it. One navigation at a time. Every call is bounded by
/// <see cref="HeadlessChromium.OperationTimeout"/> and throws <see cref="TimeoutException"/> past it. Dispose it to close the tab.
/// </summary>
public sealed class ChromiumPage : IAsyncDisposable
{
    private readonly HeadlessChromium _browser;
    private readonly int _width;
    private readonly ConcurrentQueue<string> _logEntries = new();
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ChromiumPage(HeadlessChromium browser, string targetId, string session, int width)
    {
        _browser = browser;
        TargetId = targetId;
        Session = session;
        _width = width;
    }

    internal string TargetId { get; }

    internal string Session { get; }

    /// <summary>What the page logged, as "source level: text", e.g. "security error: Refused to execute inline script…" for a script the policy blocked.</summary>
    public IReadOnlyList<string> LogEntries => _logEntries.ToArray();

    /// <summary>Shows <paramref name="html"/> (an email, a rendered page) and waits until it has loaded.</summary>
    public Task LoadHtmlAsync(string html, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(html);
        // A string, not a Uri: System.Uri refuses anything over 65,519 characters, and an email's data URL is often longer.
        return NavigateAsync("data:text/html;charset=utf-8;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(html)), "the HTML", ct);
    }

    /// <summary>Opens the URL and waits for its load event.</summary>
    /// <exception cref="InvalidOperationException">Chromium could not open it (e.g. nothing listens there).</exception>
    public Task NavigateAsync(Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        return NavigateAsync(url.AbsoluteUri, url.AbsoluteUri, ct);
    }

    private Task NavigateAsync(string url, string what, CancellationToken ct) =>
        UntilLoadedAsync(async token =>
        {
            var result = await _browser.SendAsync("Page.navigate", new JsonObject { ["url"] = url }, Session, token).ConfigureAwait(false);
            if (result.TryGetProperty("errorText", out var error))
                throw new InvalidOperationException($"Chromium could not open {what}: {error.GetString()}");
        }, ct);

    /// <summary>Clicks the element the CSS selector finds, and waits for the page it leads to (a form submission, a link).</summary>
    /// <exception cref="InvalidOperationException">No element matches the selector.</exception>
    public Task ClickAndWaitForLoadAsync(string selector, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(selector);
        return UntilLoadedAsync(async token =>
        {
            var found = await EvaluateInAsync(
                $"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); if (!e) return false; e.click(); return true; }})()",
                token).ConfigureAwait(false);
            if (found.ValueKind != JsonValueKind.True)
                throw new InvalidOperationException($"No element matches {selector}.");
        }, ct);
    }

    /// <summary>The value of a JavaScript expression (awaited if it is a promise); <see cref="JsonValueKind.Undefined"/> for undefined.</summary>
    /// <exception cref="InvalidOperationException">The expression threw.</exception>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken ct)
    {
        using var limit = _browser.Limit(ct);
        try
        {
            return await EvaluateInAsync(expression, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Timeout("evaluate a script");
        }
    }

    /// <summary>The text of the page as a reader sees it.</summary>
    public async Task<string> TextAsync(CancellationToken ct) =>
        (await EvaluateAsync("document.body ? document.body.innerText : ''", ct).ConfigureAwait(false)).GetString() ?? "";

    /// <summary>A PNG of the whole page: as wide as the viewport and as tall as the page.</summary>
    public async Task<byte[]> ScreenshotAsync(CancellationToken ct)
    {
        using var limit = _browser.Limit(ct);
        try
        {
            var height = (await EvaluateInAsync("Math.ceil(document.documentElement.scrollHeight)", limit.Token).ConfigureAwait(false)).GetInt32();
            var shot = await _browser.SendAsync("Page.captureScreenshot", new JsonObject
            {
                ["format"] = "png",
                ["captureBeyondViewport"] = true,
                ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = _width, ["height"] = Math.Max(height, 1), ["scale"] = 1 },
            }, Session, limit.Token).ConfigureAwait(false);
            return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Timeout("capture the page");
        }
    }

    public ValueTask DisposeAsync() => new(_browser.ClosePageAsync(this));

    /// <summary>An event of this tab's session, from the browser's receive loop; <paramref name="parameters"/> is only valid during the call.</summary>
    internal void OnEvent(string method, JsonElement parameters)
    {
        switch (method)
        {
            case "Page.loadEventFired":
                _loaded.TrySetResult();
                break;
            case "Log.entryAdded" when parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("entry", out var entry):
                _logEntries.Enqueue($"{Text(entry, "source")} {Text(entry, "level")}: {Text(entry, "text")}");
                break;
        }

        static string? Text(JsonElement entry, string name) => entry.TryGetProperty(name, out var value) ? value.GetString() : null;
    }

    /// <summary>Runs <paramref name="start"/> and waits for the load event it causes; the wait is armed first, so a fast load is not missed.</summary>
    private async Task UntilLoadedAsync(Func<CancellationToken, Task> start, CancellationToken ct)
    {
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loaded = loaded;
        using var limit = _browser.Limit(ct);
        try
        {
            await start(limit.Token).ConfigureAwait(false);
            await loaded.Task.WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Timeout("load the page");
        }
    }

    private async Task<JsonElement> EvaluateInAsync(string expression, CancellationToken ct)
    {
        var result = await _browser.SendAsync("Runtime.evaluate",
            new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true }, Session, ct).ConfigureAwait(false);
        if (result.TryGetProperty("exceptionDetails", out var error))
            throw new InvalidOperationException($"The page script failed: {error}");
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    private TimeoutException Timeout(string what) =>
        new($"Chromium did not {what} within {_browser.OperationTimeout.TotalSeconds:N0} s.");
}
