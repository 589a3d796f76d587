using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;

namespace Newsletter.Rendering;

/// <summary>
/// Renders an issue into its HTML and plain-text bodies with the Razor templates in
/// <see cref="RenderingOptions.TemplatesDirectory"/>, through the process's one <see cref="TemplateEngine"/>
/// (templates are compiled once per process).
/// </summary>
public sealed partial class IssueRenderer
{
    /// <summary>The HTML email's entry template.</summary>
    public const string HtmlTemplate = "Issue.cshtml";

    /// <summary>The plain-text email's entry template. Templates named *.txt.cshtml are not HTML-encoded.</summary>
    public const string TextTemplate = "Issue.txt.cshtml";

    /// <summary>Gmail clips a message whose HTML is larger than about 102 KB; warn well before that.</summary>
    private const int HtmlSizeWarningBytes = 90 * 1024;

    private readonly TemplateEngine _engine;
    private readonly BrandingOptions _branding;
    private readonly ILogger<IssueRenderer> _logger;
    private int _templateRuns;

    public IssueRenderer(TemplateEngine engine, IOptions<BrandingOptions> branding, ILogger<IssueRenderer> logger)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(branding);
        ArgumentNullException.ThrowIfNull(logger);
        _engine = engine;
        _branding = branding.Value;
        _logger = logger;
    }

    /// <summary>The absolute templates folder this renderer reads.</summary>
    public string TemplatesDirectory => _engine.TemplatesDirectory;

    /// <summary>How many times an entry template has run in this process; tests use it to prove personalisation does not render.</summary>
    internal int TemplateRuns => Volatile.Read(ref _templateRuns);

    /// <summary>Whether the process's template engine has been built; tests use it to prove a worker never compiles the templates.</summary>
    internal bool EngineCreated => _engine.IsCreated;

    /// <summary>
    /// Runs both templates once for <paramref name="issue"/>, inlines the HTML's CSS and wraps the text at 72 columns.
    /// </summary>
    /// <exception cref="TemplateException">A template is missing, does not compile, or throws while rendering.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<RenderedIssue> RenderAsync(Issue issue, IssueRenderContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        _engine.EnsureFolderExists(HtmlTemplate);

        var started = Stopwatch.GetTimestamp();
        // Random per render, so no story text can ever collide with a slot.
        var token = Guid.NewGuid().ToString("N");
        var nameToken = $"zzslot{token}name";
        var unsubscribeToken = $"zzslot{token}unsub";

        var html = await RunAsync(HtmlTemplate, new IssueTemplateModel(issue, _branding, context, nameToken, unsubscribeToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var text = await RunAsync(TextTemplate, new IssueTemplateModel(issue, _branding, context, nameToken, unsubscribeToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        html = InlineCss(html);
        text = TextWrapper.Wrap(CollapseBlankLines(text)).Trim() + "\n";

        var rendered = new RenderedIssue(
            issue,
            SlottedText.Parse(html, nameToken, unsubscribeToken),
            SlottedText.Parse(text, nameToken, unsubscribeToken));

        LogRendered(issue.Number, html.Length, text.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (html.Length > HtmlSizeWarningBytes)
            LogHtmlTooLarge(issue.Number, html.Length);
        return rendered;
    }

    private Task<string> RunAsync<TModel>(string template, TModel model)
    {
        Interlocked.Increment(ref _templateRuns);
        return _engine.RenderAsync(template, model);
    }

    private static string InlineCss(string html)
    {
        using var premailer = new PreMailer.Net.PreMailer(html);
        // Media queries (mobile width, dark mode) cannot be inlined; keep them in a <style> block.
        // The email formatter keeps entities such as &nbsp; that the preheader padding relies on.
        var result = premailer.MoveCssInline(removeStyleElements: true, preserveMediaQueries: true, useEmailFormatter: true);
        return result.Html;
    }

    private static string CollapseBlankLines(string text) =>
        BlankLineRun().Replace(text.ReplaceLineEndings("\n"), "\n\n");

    [GeneratedRegex(@"\n[ \t]*\n(?:[ \t]*\n)+")]
    private static partial Regex BlankLineRun();

    [LoggerMessage(Level = LogLevel.Information, Message = "Rendered issue {IssueNumber}: HTML {HtmlChars} chars, text {TextChars} chars in {ElapsedMs:F0} ms")]
    private partial void LogRendered(int issueNumber, int htmlChars, int textChars, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue {IssueNumber} HTML is {HtmlChars} chars; Gmail clips messages above about 102 KB. Shorten the issue or the stylesheet.")]
    private partial void LogHtmlTooLarge(int issueNumber, int htmlChars);
}
