namespace Newsletter.Rendering.Preview;

/// <summary>PNG screenshots of a rendered issue at phone and desktop width, for <c>issue preview</c>.</summary>
public static class IssueScreenshots
{
    /// <summary>The shots taken: a phone (375 px), a desktop window (800 px), and the phone in dark mode.</summary>
    public static readonly IReadOnlyList<(int Width, bool Dark, string Suffix)> Shots =
    [
        (375, false, "-375.png"),
        (800, false, "-800.png"),
        (375, true, "-375-dark.png"),
    ];

    /// <summary>
    /// Writes <c>{stem}-375.png</c>, <c>{stem}-800.png</c> and <c>{stem}-375-dark.png</c>. When Chromium is missing or fails,
    /// says so on <paramref name="log"/> (with how to install it) and returns no paths: the screenshots are a convenience,
    /// the HTML and text files are already written.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public static async Task<IReadOnlyList<string>> TryWriteAsync(string html, string stem, TextWriter log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(log);
        if (HeadlessChromium.Locate() is null)
        {
            await log.WriteLineAsync($"No screenshots: Chromium was not found. {HeadlessChromium.InstallHint}").ConfigureAwait(false);
            return [];
        }

        var written = new List<string>();
        try
        {
            await using var chromium = await HeadlessChromium.LaunchAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            foreach (var (width, dark, suffix) in Shots)
            {
                var png = await chromium.ScreenshotAsync(html, width, dark, ct).ConfigureAwait(false);
                var path = stem + suffix;
                await File.WriteAllBytesAsync(path, png, ct).ConfigureAwait(false);
                written.Add(path);
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException
                                      or System.ComponentModel.Win32Exception)
        {
            await log.WriteLineAsync($"No screenshots: Chromium failed: {e.Message}").ConfigureAwait(false);
        }
        return written;
    }
}
