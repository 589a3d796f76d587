using Newsletter.Rendering.Preview;

namespace Newsletter.Tests.Browser;

/// <summary>
/// One headless Chromium for the browser tests. A machine without Chromium fails these tests with the
/// install command rather than skipping them: CI installs it (.ci/run), and a silent pass would hide a broken layout.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private HeadlessChromium? _chromium;

    public HeadlessChromium Chromium => _chromium ?? throw new InvalidOperationException(
        $"Headless Chromium is needed for the browser tests and was not found. {HeadlessChromium.InstallHint}");

    public async Task InitializeAsync()
    {
        if (HeadlessChromium.Locate() is null)
            return; // Each test then fails with the install hint.
        _chromium = await HeadlessChromium.LaunchAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
            await _chromium.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<ChromiumFixture>, ICollectionFixture<Rendering.RenderingFixture>
{
    public const string Name = "Browser";
}
