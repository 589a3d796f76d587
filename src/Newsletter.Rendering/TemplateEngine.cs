using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RazorLight;
using RazorLight.Compilation;
using RazorLight.Generation;

namespace Newsletter.Rendering;

/// <summary>
/// The one RazorLight engine of a process, over the templates folder (<see cref="RenderingOptions.TemplatesDirectory"/>):
/// the email (<see cref="IssueRenderer"/>) and the pages (<see cref="Pages.PageRenderer"/>) render through it, so a process
/// loads the compiler's references once. Built on the first render, so a process that renders nothing (a worker reading
/// stored renderings, <c>run</c> before its first page) pays nothing. Each template is compiled on first use after it changed
/// (<see cref="CompiledTemplatesFolder"/>); a process whose templates were compiled before loads them and never starts the compiler.
/// Every RazorLight failure leaves as a <see cref="TemplateException"/> naming the file and line.
/// </summary>
public sealed partial class TemplateEngine
{
    private readonly Lazy<RazorLightEngine> _engine;

    public TemplateEngine(IOptions<RenderingOptions> rendering)
    {
        ArgumentNullException.ThrowIfNull(rendering);
        TemplatesDirectory = Path.GetFullPath(rendering.Value.TemplatesDirectory);
        // Built on first render, so a wrong folder surfaces as a TemplateException there rather than at DI resolution.
        var compiledTemplates = new CompiledTemplatesFolder(rendering.Value, TemplatesDirectory);
        _engine = new Lazy<RazorLightEngine>(() => new RazorLightEngineBuilder()
            .UseFileSystemProject(TemplatesDirectory)
            // Each template is compiled once per change of its content (keyed by its hash) and kept on disk, not once per process.
            .UseCachingProvider(compiledTemplates)
            // Plain-text templates must not HTML-encode ("R&D" stays "R&D"); the callback also runs for partials.
            .AddPrerenderCallbacks(page => page.DisableEncoding = page.Key.EndsWith(".txt.cshtml", StringComparison.OrdinalIgnoreCase))
            // Against what a template can use, not all the host's libraries: most of the worker's peak memory otherwise.
            .ExcludeAssemblies(TemplateReferences.NotNeeded())
            .Build());
    }

    /// <summary>The absolute templates folder.</summary>
    public string TemplatesDirectory { get; }

    /// <summary>Whether the RazorLight engine has been built; tests use it to prove a process never compiled a template.</summary>
    internal bool IsCreated => _engine.IsValueCreated;

    /// <summary>Throws when the templates folder is missing, naming the setting that points at it.</summary>
    /// <exception cref="TemplateException">The folder does not exist.</exception>
    public void EnsureFolderExists(string entryTemplate)
    {
        if (!Directory.Exists(TemplatesDirectory))
        {
            throw new TemplateException(
                $"The templates folder '{TemplatesDirectory}' does not exist. Set {RenderingOptions.SectionName}:TemplatesDirectory " +
                $"to the folder holding {entryTemplate} (a relative path is resolved against the current directory).",
                TemplatesDirectory, line: null);
        }
    }

    /// <summary>Compiles <paramref name="template"/> (a path relative to the folder, e.g. <c>pages/Unsubscribe.cshtml</c>) on first use and runs it.</summary>
    /// <exception cref="TemplateException">The template is missing, does not compile, or throws while rendering.</exception>
    public async Task<string> RenderAsync<TModel>(string template, TModel model)
    {
        try
        {
            return await _engine.Value.CompileRenderAsync(template, model).ConfigureAwait(false);
        }
        catch (TemplateNotFoundException ex)
        {
            throw new TemplateException(
                $"Template not found while rendering {template} from '{TemplatesDirectory}': {ex.Message} " +
                "Restore the file (git checkout templates/) or fix the name passed to IncludeAsync or Layout.",
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
                $"Template {file}{(line is null ? "" : $" line {line}")} failed while rendering: {ex.GetType().Name}: {ex.Message}{Environment.NewLine}" +
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
    // is the template (often a partial) that threw, with its line. One exception: when RazorLight's own code threw between
    // that frame and the error, on a line that includes a partial, the partial could not be set up (its @model is not the
    // type it is given), and the error is the partial's, not the line that includes it.
    private (string File, int? Line) FindTemplateFrame(Exception ex, string fallbackTemplate)
    {
        var insideRazorLight = false;
        foreach (var frame in new StackTrace(ex, fNeedFileInfo: true).GetFrames())
        {
            var fileName = frame.GetFileName();
            if (fileName is not null && fileName.EndsWith(".cshtml", StringComparison.OrdinalIgnoreCase))
            {
                var file = ResolveTemplatePath(fileName, fallbackTemplate);
                int? line = frame.GetFileLineNumber() is > 0 and var number ? number : null;
                return insideRazorLight && IncludedAt(file, line) is { } partial ? (partial, ModelLine(partial)) : (file, line);
            }
            insideRazorLight |= frame.GetMethod()?.DeclaringType?.Namespace?.StartsWith("RazorLight", StringComparison.Ordinal) == true;
        }
        return (Path.Combine(TemplatesDirectory, fallbackTemplate), null);
    }

    /// <summary>The partial that <paramref name="line"/> of <paramref name="template"/> includes, or null.</summary>
    private string? IncludedAt(string template, int? line)
    {
        if (line is not { } number || !File.Exists(template)) return null;
        var text = File.ReadLines(template).Skip(number - 1).FirstOrDefault();
        var include = text is null ? null : IncludeCall().Match(text);
        return include is { Success: true } ? ResolveTemplatePath(include.Groups[1].Value, include.Groups[1].Value) : null;
    }

    /// <summary>The 1-based line of the template's @model directive, or null.</summary>
    private static int? ModelLine(string template)
    {
        var lines = File.ReadAllLines(template);
        var index = Array.FindIndex(lines, l => l.TrimStart().StartsWith("@model ", StringComparison.Ordinal));
        return index < 0 ? null : index + 1;
    }

    [GeneratedRegex(@"IncludeAsync\(\s*""([^""]+)""")]
    private static partial Regex IncludeCall();
}
