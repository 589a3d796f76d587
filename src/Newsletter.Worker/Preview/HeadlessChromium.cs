using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Newsletter.Worker.Preview;

/// <summary>
/// A headless Chromium (Debian's <c>chromium</c> package) driven over the DevTools protocol, for screenshots of the
/// email and for browser tests. Pages get a true <c>width</c> CSS-pixel viewport through
/// <c>Emulation.setDeviceMetricsOverride</c>: a headless window is never narrower than 500 px, so
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
            "--disable-default-apps", "--mute-audio", "--hide-scrollbars", "--remote-debugging-port=0",
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

    /// <summary>Loads <paramref name="html"/> at a <paramref name="width"/> CSS-pixel viewport and returns the value of a JavaScript expression.</summary>
    /// <exception cref="TimeoutException">The page did not finish within <see cref="OperationTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The expression threw.</exception>
    public Task<JsonElement> EvaluateAsync(string html, int width, string expression, CancellationToken ct) =>
        WithPageAsync(html, width, dark: false, async (session, token) => await EvaluateInAsync(session, expression, token).ConfigureAwait(false), ct);

    /// <summary>
    /// A PNG of the whole page at a <paramref name="width"/> CSS-pixel viewport (the image is that many pixels wide and as tall
    /// as the page), in the light or dark colour scheme.
    /// </summary>
    /// <exception cref="TimeoutException">The page did not finish within <see cref="OperationTimeout"/>.</exception>
    public Task<byte[]> ScreenshotAsync(string html, int width, bool dark, CancellationToken ct) =>
        WithPageAsync(html, width, dark, async (session, token) =>
        {
            var height = (await EvaluateInAsync(session, "Math.ceil(document.documentElement.scrollHeight)", token).ConfigureAwait(false)).GetInt32();
            var shot = await SendAsync("Page.captureScreenshot", new JsonObject
            {
                ["format"] = "png",
                ["captureBeyondViewport"] = true,
                ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = width, ["height"] = Math.Max(height, 1), ["scale"] = 1 },
            }, session, token).ConfigureAwait(false);
            return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
        }, ct);

    private async Task<T> WithPageAsync<T>(string html, int width, bool dark, Func<string, CancellationToken, Task<T>> use, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(OperationTimeout);
        var token = limit.Token;
        string? targetId = null;
        try
        {
            targetId = (await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, null, token).ConfigureAwait(false))
                .GetProperty("targetId").GetString()!;
            var session = (await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = targetId, ["flatten"] = true }, null, token).ConfigureAwait(false))
                .GetProperty("sessionId").GetString()!;

            await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
            {
                ["width"] = width,
                ["height"] = 800,
                ["deviceScaleFactor"] = 1,
                // Phone widths behave like a phone: the viewport meta tag applies and media queries see the device width.
                ["mobile"] = width < 600,
            }, session, token).ConfigureAwait(false);
            await SendAsync("Emulation.setEmulatedMedia", new JsonObject
            {
                ["features"] = new JsonArray(new JsonObject { ["name"] = "prefers-color-scheme", ["value"] = dark ? "dark" : "light" }),
            }, session, token).ConfigureAwait(false);

            var url = "data:text/html;charset=utf-8;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(html));
            await SendAsync("Page.navigate", new JsonObject { ["url"] = url }, session, token).ConfigureAwait(false);
            while ((await EvaluateInAsync(session, "document.readyState + '|' + location.protocol", token).ConfigureAwait(false)).GetString() != "complete|data:")
                await Task.Delay(25, token).ConfigureAwait(false);

            return await use(session, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"Chromium did not render the page within {OperationTimeout.TotalSeconds:N0} s.");
        }
        finally
        {
            if (targetId is not null && _socket.State == WebSocketState.Open)
            {
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
        }
    }

    private async Task<JsonElement> EvaluateInAsync(string session, string expression, CancellationToken ct)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true }, session, ct)
            .ConfigureAwait(false);
        if (result.TryGetProperty("exceptionDetails", out var error))
            throw new InvalidOperationException($"The page script failed: {error}");
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject parameters, string? session, CancellationToken ct)
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
                    // Events (no id) are not needed: page load is detected by polling readyState.
                    if (root.TryGetProperty("id", out var idElement) && _pending.TryGetValue(idElement.GetInt32(), out var waiter))
                    {
                        if (root.TryGetProperty("error", out var error))
                            waiter.TrySetException(new InvalidOperationException($"Chromium refused the request: {error}"));
                        else
                            waiter.TrySetResult(root.GetProperty("result").Clone());
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
