using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Core.Composition;
using RazorLight;
using RazorLight.Compilation;
using RazorLight.Generation;

namespace Newsletter.Rendering;

/// <summary>
/// Renders an issue into its HTML and plain-text bodies with the Razor templates in
/// <see cref="RenderingOptions.TemplatesDirectory"/>. Register as a singleton: templates are compiled
/// once per process and cached by the engine this instance holds.
/// </summary>
public sealed partial class IssueRenderer
{
    /// <summary>The HTML email's entry template.</summary>
    public const string HtmlTemplate = "Issue.cshtml";

    /// <summary>The plain-text email's entry template. Templates named *.txt.cshtml are not HTML-encoded.</summary>
    public const string TextTemplate = "Issue.txt.cshtml";

    /// <summary>The web page listing past issues (<c>GET /issues</c>).</summary>
    public const string ArchiveTemplate = "Archive.cshtml";

    /// <summary>The signup confirmation mail's HTML template.</summary>
    public const string ConfirmationHtmlTemplate = "Confirm.cshtml";

    /// <summary>The signup confirmation mail's plain-text template.</summary>
    public const string ConfirmationTextTemplate = "Confirm.txt.cshtml";

    /// <summary>Gmail clips a message whose HTML is larger than about 102 KB; warn well before that.</summary>
    private const int HtmlSizeWarningBytes = 90 * 1024;

    private readonly Lazy<RazorLightEngine> _engine;
    private readonly BrandingOptions _branding;
    private readonly ILogger<IssueRenderer> _logger;
    private int _templateRuns;

    public IssueRenderer(IOptions<RenderingOptions> rendering, IOptions<BrandingOptions> branding, ILogger<IssueRenderer> logger)
    {
        ArgumentNullException.ThrowIfNull(rendering);
        ArgumentNullException.ThrowIfNull(branding);
        ArgumentNullException.ThrowIfNull(logger);
        TemplatesDirectory = Path.GetFullPath(rendering.Value.TemplatesDirectory);
        _branding = branding.Value;
        _logger = logger;
        // Built on first render, so a wrong folder surfaces as a TemplateException there rather than at DI resolution.
        _engine = new Lazy<RazorLightEngine>(() => new RazorLightEngineBuilder()
            .UseFileSystemProject(TemplatesDirectory)
            .UseMemoryCachingProvider()
            // Plain-text templates must not HTML-encode ("R&D" stays "R&D"); the callback also runs for partials.
            .AddPrerenderCallbacks(page => page.DisableEncoding = page.Key.EndsWith(".txt.cshtml", StringComparison.OrdinalIgnoreCase))
            // Against what a template can use, not all the host's libraries: most of the worker's peak memory otherwise.
            .ExcludeAssemblies(TemplateReferences.NotNeeded())
            .Build());
    }

    /// <summary>The absolute templates folder this renderer reads.</summary>
    public string TemplatesDirectory { get; }

    /// <summary>How many times an entry template has run in this process; tests use it to prove personalisation does not render.</summary>
    internal int TemplateRuns => Volatile.Read(ref _templateRuns);

    /// <summary>Whether this instance has built its RazorLight engine; tests use it to prove a worker never compiles the templates.</summary>
    internal bool EngineCreated => _engine.IsValueCreated;

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
        if (!Directory.Exists(TemplatesDirectory))
        {
            throw new TemplateException(
                $"The templates folder '{TemplatesDirectory}' does not exist. Set {RenderingOptions.SectionName}:TemplatesDirectory " +
                "to the folder holding Issue.cshtml (a relative path is resolved against the current directory).",
                TemplatesDirectory, line: null);
        }

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

    /// <summary>Renders <see cref="ArchiveTemplate"/>, the web page listing past issues, in the look of the email.</summary>
    /// <exception cref="TemplateException">The template is missing, does not compile, or throws while rendering.</exception>
    public async Task<string> RenderArchiveAsync(ArchiveTemplateModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        cancellationToken.ThrowIfCancellationRequested();
        return await RunAsync(ArchiveTemplate, model).ConfigureAwait(false);
    }

    /// <summary>
    /// Renders the mail that asks a reader who used a signup form to confirm (<see cref="ConfirmationHtmlTemplate"/> and
    /// <see cref="ConfirmationTextTemplate"/>), in the look of the issue: CSS inlined, text wrapped at 72 columns.
    /// </summary>
    /// <exception cref="TemplateException">A template is missing, does not compile, or throws while rendering.</exception>
    public async Task<(string Html, string Text)> RenderConfirmationAsync(ConfirmationMailModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        cancellationToken.ThrowIfCancellationRequested();
        var html = InlineCss(await RunAsync(ConfirmationHtmlTemplate, model).ConfigureAwait(false));
        var text = TextWrapper.Wrap(CollapseBlankLines(await RunAsync(ConfirmationTextTemplate, model).ConfigureAwait(false))).Trim() + "\n";
        return (html, text);
    }

    private async Task<string> RunAsync<TModel>(string template, TModel model)
    {
        Interlocked.Increment(ref _templateRuns);
        try
        {
            return await _engine.Value.CompileRenderAsync(template, model).ConfigureAwait(false);
        }
        catch (TemplateNotFoundException ex)
        {
            throw new TemplateException(
                $"Template not found while rendering {template} from '{TemplatesDirectory}': {ex.Message} " +
                "Restore the file (git checkout templates/) or fix the name passed to IncludeAsync.",
                Path.Combine(TemplatesDirectory, template), line: null, ex);
        }
        catch (TemplateCompilationException ex)
        {
            var first = ex.CompilationDiagnostics.FirstOrDefault(d => d.LineSpan is not null);
            var (file, line) = first?.LineSpan is { } span && !string.IsNullOrEmpty(span.Path)
                ? (ResolveTemplatePath(span.Path, template), span.StartLinePosition.Line + 1)
                : (Path.Combine(TemplatesDirectory, template), (int?)null);
            var errors = ex.CompilationErrors.Count > 0 ? string.Join(Environment.NewLine, ex.CompilationErrors) : ex.Message;
            throw new TemplateException(
                $"Template {file}{(line is null ? "" : $" line {line}")} does not compile:{Environment.NewLine}{errors}{Environment.NewLine}" +
                "Fix the template (or restore it with git checkout templates/) and restart: templates are compiled once per process.",
                file, line, ex);
        }
        catch (TemplateGenerationException ex)
        {
            var first = ex.Diagnostics.FirstOrDefault();
            var file = first is null ? Path.Combine(TemplatesDirectory, template) : ResolveTemplatePath(first.Span.FilePath, template);
            int? line = first is null ? null : first.Span.LineIndex + 1;
            throw new TemplateException(
                $"Template {file}{(line is null ? "" : $" line {line}")} has a Razor syntax error: {ex.Message}{Environment.NewLine}" +
                "Fix the template (or restore it with git checkout templates/) and restart: templates are compiled once per process.",
                file, line, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not TemplateException)
        {
            // A template threw at run time (for example a null dereference).
            var (file, line) = FindTemplateFrame(ex, template);
            throw new TemplateException(
                $"Template {file}{(line is null ? "" : $" line {line}")} failed while rendering issue: {ex.GetType().Name}: {ex.Message}{Environment.NewLine}" +
                "Fix the template (a model member may be null: guard it with @if) or restore it with git checkout templates/.",
                file, line, ex);
        }
    }

    private string ResolveTemplatePath(string? reported, string fallbackTemplate)
    {
        if (string.IsNullOrEmpty(reported))
            return Path.Combine(TemplatesDirectory, fallbackTemplate);
        var relative = reported.Replace('\\', '/').TrimStart('/');
        var candidate = Path.GetFullPath(Path.Combine(TemplatesDirectory, relative));
        return File.Exists(candidate) || !Path.IsPathRooted(reported) ? candidate : reported;
    }

    // Generated template code carries #line mappings, so the innermost frame with a .cshtml file
    // is the template (often a partial) that threw, with its line.
    private (string File, int? Line) FindTemplateFrame(Exception ex, string fallbackTemplate)
    {
        foreach (var frame in new StackTrace(ex, fNeedFileInfo: true).GetFrames())
        {
            var fileName = frame.GetFileName();
            if (fileName is not null && fileName.EndsWith(".cshtml", StringComparison.OrdinalIgnoreCase))
                return (ResolveTemplatePath(fileName, fallbackTemplate), frame.GetFileLineNumber() is > 0 and var line ? line : null);
        }
        return (Path.Combine(TemplatesDirectory, fallbackTemplate), null);
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
