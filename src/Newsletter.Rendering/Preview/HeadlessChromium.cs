using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Newsletter.Rendering.Preview;

/// <summary>
/// A headless Chromium (Debian's <c>chromium</c> package) driven over the DevTools protocol: the screenshots of
/// <c>issue preview</c>, and the browser tests. Each <see cref="ChromiumPage"/> is a tab with a true <c>width</c> CSS-pixel
/// viewport through <c>Emulation.setDeviceMetricsOverride</c>: a headless window is never narrower than 500 px, so
/// <c>--window-size=375,…</c> alone would test the wrong width. No driver package: a WebSocket and JSON.
/// One instance is one browser process; dispose it to end the process and delete its profile folder.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Environment variable that overrides where Chromium is looked for.</summary>
    public const string PathVariable = "NEWSLETTER_CHROMIUM";

    /// <summary>What to tell someone who has no Chromium.</summary>
    public const string InstallHint =
        "Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu; the package provides /usr/bin/chromium), " +
        "or set " + PathVariable + " to a Chromium or Chrome executable.";

    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<string, ChromiumPage> _pages = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private int _nextId;

    private HeadlessChromium(Process process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>How long one page may take to load, be measured or be captured.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Chromium executable to use: <see cref="PathVariable"/> if set, else the first of the usual paths that exists, else null.</summary>
    public static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(configured) ? configured : null;
        return Candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Starts Chromium headless with a fresh profile and connects to it.</summary>
    /// <exception cref="FileNotFoundException">No Chromium was found; the message says how to install it.</exception>
    /// <exception cref="TimeoutException">Chromium did not open its DevTools port within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static async Task<HeadlessChromium> LaunchAsync(TimeSpan timeout, CancellationToken ct)
    {
        var executable = Locate() ?? throw new FileNotFoundException($"Chromium was not found. {InstallHint}");
        var profile = Directory.CreateTempSubdirectory("newsletter-chromium-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // The networking switches stop it from calling home (update checks, sync, QUIC probes) on machines that cannot reach out.
        foreach (var argument in new[]
        {
            "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-default-apps", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--remote-allow-origins=*", $"--user-data-dir={profile}", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }
        // Chromium refuses to run as root with its sandbox on (CI containers run as root).
        if (Environment.IsPrivilegedProcess)
            start.ArgumentList.Insert(0, "--no-sandbox");

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        // Drain its chatter so a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            var endpoint = await WaitForEndpointAsync(process, profile, limit.Token).ConfigureAwait(false);
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(endpoint, limit.Token).ConfigureAwait(false);
            return new HeadlessChromium(process, profile, socket);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Stop(process, profile);
            throw new TimeoutException($"{executable} did not open its DevTools port within {timeout.TotalSeconds:N0} s.");
        }
        catch
        {
            Stop(process, profile);
            throw;
        }
    }

    /// <summary>
    /// Opens a tab with a <paramref name="width"/> CSS-pixel viewport (below 600 px it behaves as a phone: the viewport meta tag
    /// applies and media queries see the device width), in the light or dark colour scheme. Dispose it to close the tab.
    /// </summary>
    /// <exception cref="TimeoutException">Chromium did not open the tab within <see cref="OperationTimeout"/>.</exception>
    public async Task<ChromiumPage> OpenPageAsync(int width, bool dark, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        using var limit = Limit(ct);
        string? targetId = null;
        try
        {
            targetId = (await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, null, limit.Token).ConfigureAwait(false))
                .GetProperty("targetId").GetString()!;
            var session = (await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = targetId, ["flatten"] = true }, null, limit.Token)
                .ConfigureAwait(false)).GetProperty("sessionId").GetString()!;
            var page = new ChromiumPage(this, targetId, session, width);
            _pages[session] = page;

            await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
            {
                ["width"] = width,
                ["height"] = 800,
                ["deviceScaleFactor"] = 1,
                ["mobile"] = width < 600,
            }, session, limit.Token).ConfigureAwait(false);
            await SendAsync("Emulation.setEmulatedMedia", new JsonObject
            {
                ["features"] = new JsonArray(new JsonObject { ["name"] = "prefers-color-scheme", ["value"] = dark ? "dark" : "light" }),
            }, session, limit.Token).ConfigureAwait(false);
            // Load events tell the page when a navigation has finished; log entries carry what the page's security policy refused.
            await SendAsync("Page.enable", new JsonObject(), session, limit.Token).ConfigureAwait(false);
            await SendAsync("Log.enable", new JsonObject(), session, limit.Token).ConfigureAwait(false);
            return page;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await CloseTargetAsync(targetId).ConfigureAwait(false);
            throw new TimeoutException($"Chromium did not open a tab within {OperationTimeout.TotalSeconds:N0} s.");
        }
        catch
        {
            await CloseTargetAsync(targetId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Loads <paramref name="html"/> at a <paramref name="width"/> CSS-pixel viewport and returns the value of a JavaScript expression.</summary>
    /// <exception cref="TimeoutException">The page did not finish within <see cref="OperationTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The expression threw.</exception>
    public async Task<JsonElement> EvaluateAsync(string html, int width, string expression, CancellationToken ct)
    {
        await using var page = await OpenPageAsync(width, dark: false, ct).ConfigureAwait(false);
        await page.LoadHtmlAsync(html, ct).ConfigureAwait(false);
        return await page.EvaluateAsync(expression, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A PNG of the whole page at a <paramref name="width"/> CSS-pixel viewport (the image is that many pixels wide and as tall
    /// as the page), in the light or dark colour scheme.
    /// </summary>
    /// <exception cref="TimeoutException">The page did not finish within <see cref="OperationTimeout"/>.</exception>
    public async Task<byte[]> ScreenshotAsync(string html, int width, bool dark, CancellationToken ct)
    {
        await using var page = await OpenPageAsync(width, dark, ct).ConfigureAwait(false);
        await page.LoadHtmlAsync(html, ct).ConfigureAwait(false);
        return await page.ScreenshotAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A token that ends after <see cref="OperationTimeout"/> or with <paramref name="ct"/>.</summary>
    internal CancellationTokenSource Limit(CancellationToken ct)
    {
        var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(OperationTimeout);
        return limit;
    }

    internal async Task ClosePageAsync(ChromiumPage page)
    {
        _pages.TryRemove(page.Session, out _);
        await CloseTargetAsync(page.TargetId).ConfigureAwait(false);
    }

    private async Task CloseTargetAsync(string? targetId)
    {
        if (targetId is null || _socket.State != WebSocketState.Open)
            return;
        using var close = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await SendAsync("Target.closeTarget", new JsonObject { ["targetId"] = targetId }, null, close.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or WebSocketException)
        {
            // The browser goes away with this instance anyway.
        }
    }

    internal async Task<JsonElement> SendAsync(string method, JsonObject parameters, string? session, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (session is not null)
            message["sessionId"] = session;
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
            return await reply.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var frame = await _socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (frame.MessageType == WebSocketMessageType.Close)
                    break;
                message.Write(buffer, 0, frame.Count);
                if (!frame.EndOfMessage)
                    continue;

                using (var document = JsonDocument.Parse(message.GetBuffer().AsMemory(0, (int)message.Length)))
                {
                    var root = document.RootElement;
                    if (root.TryGetProperty("id", out var idElement) && _pending.TryGetValue(idElement.GetInt32(), out var waiter))
                    {
                        if (root.TryGetProperty("error", out var error))
                            waiter.TrySetException(new InvalidOperationException($"Chromium refused the request: {error}"));
                        else
                            waiter.TrySetResult(root.GetProperty("result").Clone());
                    }
                    else if (root.TryGetProperty("method", out var method) && root.TryGetProperty("sessionId", out var session)
                             && _pages.TryGetValue(session.GetString()!, out var page))
                    {
                        // Events belong to the tab whose session sent them.
                        page.OnEvent(method.GetString()!, root.TryGetProperty("params", out var parameters) ? parameters : default);
                    }
                }
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The browser closed or we are shutting down.
        }
        finally
        {
            foreach (var waiter in _pending.Values)
                waiter.TrySetException(new InvalidOperationException("The connection to Chromium closed."));
        }
    }

    private static async Task<Uri> WaitForEndpointAsync(Process process, string profile, CancellationToken ct)
    {
        // With --remote-debugging-port=0 Chromium picks a free port and writes "port\n/devtools/browser/<id>" here.
        var file = Path.Combine(profile, "DevToolsActivePort");
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
                throw new InvalidOperationException($"Chromium exited with code {process.ExitCode} before opening its DevTools port.");
            if (File.Exists(file))
            {
                var lines = (await File.ReadAllLinesAsync(file, ct).ConfigureAwait(false)).Where(l => l.Length > 0).ToArray();
                if (lines.Length >= 2 && int.TryParse(lines[0], out var port))
                    return new Uri($"ws://127.0.0.1:{port}{lines[1]}");
            }
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private static void Stop(Process process, string profile)
    {
        try
        {
            // After Browser.close it exits by itself; otherwise (or if it hangs) end it and its helpers.
            if (!process.WaitForExit(2000))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }

        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var close = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    await SendAsync("Browser.close", new JsonObject(), null, close.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or WebSocketException)
                {
                    // Killed below.
                }
            }
        }
        finally
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            _socket.Abort();
            _socket.Dispose();
            try
            {
                await _receiving.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
                // Ended as intended.
            }
            Stop(_process, _profile);
            _stop.Dispose();
            _sendLock.Dispose();
        }
    }
}
