using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using RazorLight;
using RazorLight.Caching;
using RazorLight.Compilation;
using RazorLight.Generation;

namespace Newsletter.Rendering;

/// <summary>
/// Keeps compiled templates on disk between runs (<see cref="RenderingOptions.CompiledTemplatesDirectory"/>), so a process
/// whose templates have not changed loads them instead of starting the C# compiler: RazorLight's
/// <see cref="FileSystemCachingProvider"/>, keyed by each template file's content (<see cref="FileHashCachingStrategy"/>), with
/// each compiled file written whole under a temporary name and then renamed, since several processes (workers, `send`, the
/// tests) may compile the same template at the same moment and none may load a half-written one.
/// </summary>
/// <remarks>
/// One subfolder per build of this library and per templates folder: a compiled template is bound to the model types it was
/// compiled against, so a new version of Newsletter compiles afresh instead of loading a template built for the old one.
/// The first compile of a process also removes what nobody will load again (<see cref="RemoveAbandoned"/>), so upgrades
/// and moved or deleted templates folders do not pile up in the user's home; a process that only loads never looks.
/// </remarks>
internal sealed class CompiledTemplatesFolder : ICachingProvider, IPrecompileCallback
{
    /// <summary>Names, inside each templates folder's subfolder, the templates folder it was compiled from.</summary>
    internal const string SourceFileName = "templates-folder.txt";

    /// <summary>How long another build's compiled templates are kept after their last compile (an older version may still run).</summary>
    internal static readonly TimeSpan OtherBuildsKeptFor = TimeSpan.FromDays(30);

    private readonly FileSystemCachingProvider _files;
    private readonly string _templatesDirectory;
    private readonly string _root;
    private int _compiledBefore;

    public CompiledTemplatesFolder(RenderingOptions options, string templatesDirectory)
    {
        var root = string.IsNullOrWhiteSpace(options.CompiledTemplatesDirectory)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "newsletter", "compiled-templates")
            : Path.GetFullPath(options.CompiledTemplatesDirectory);
        var build = typeof(TemplateEngine).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12];
        var templates = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(templatesDirectory)))[..12];
        _root = root;
        Directory = Path.Combine(root, build, templates);
        _templatesDirectory = templatesDirectory;
        _files = new FileSystemCachingProvider(templatesDirectory, Directory, FileHashCachingStrategy.Instance);
    }

    /// <summary>The folder this build's compiled templates of this templates folder are kept in.</summary>
    public string Directory { get; }

    public void CacheTemplate(string key, Func<ITemplatePage> pageFactory, IChangeToken expirationToken) =>
        _files.CacheTemplate(key, pageFactory, expirationToken);

    public bool Contains(string key) => _files.Contains(key);

    public void Remove(string key) => _files.Remove(key);

    /// <remarks>
    /// RazorLight's provider makes a page loaded from disk with <c>Activator</c> and leaves its <c>Key</c> unset, which a
    /// freshly compiled page has; the key is given back here so that everything reading it (the plain-text rule, error
    /// reports) sees the same page either way.
    /// </remarks>
    public TemplateCacheLookupResult RetrieveTemplate(string key)
    {
        var found = _files.RetrieveTemplate(key);
        if (!found.Success)
            return found;
        var makePage = found.Template.TemplatePageFactory;
        return new TemplateCacheLookupResult(new TemplateCacheItem(key, () =>
        {
            var page = makePage();
            page.Key ??= key;
            return page;
        }));
    }

    void IPrecompileCallback.Invoke(IGeneratedRazorTemplate generatedRazorTemplate, byte[] rawAssembly, byte[] rawSymbolStore)
    {
        if (Interlocked.Exchange(ref _compiledBefore, 1) == 0)
        {
            System.IO.Directory.CreateDirectory(Directory);
            WriteWhole(Path.Combine(Directory, SourceFileName), Encoding.UTF8.GetBytes(_templatesDirectory));
            RemoveAbandoned(DateTime.UtcNow);
        }

        var key = generatedRazorTemplate.TemplateKey;
        var assembly = _files.GetAssemblyFilePath(key, Path.Combine(_templatesDirectory, key.TrimStart('/', '\\')));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(assembly)!);
        WriteWhole(assembly, rawAssembly);
        if (rawSymbolStore is not null)
            WriteWhole(Path.ChangeExtension(assembly, ".pdb"), rawSymbolStore);
    }

    /// <summary>
    /// Deletes, under the root folder, the compiled templates of a templates folder that no longer exists, and other builds'
    /// folders not compiled into for <see cref="OtherBuildsKeptFor"/>. Best effort: what cannot be deleted stays for next time.
    /// </summary>
    internal void RemoveAbandoned(DateTime now)
    {
        var ownBuild = Path.GetDirectoryName(Directory)!;
        foreach (var build in SubfoldersOf(_root))
        {
            var isOwnBuild = string.Equals(build, ownBuild, StringComparison.Ordinal);
            if (!isOwnBuild && now - LastWrite(build) > OtherBuildsKeptFor)
            {
                TryDeleteFolder(build);
                continue;
            }

            foreach (var templates in SubfoldersOf(build))
            {
                var source = Path.Combine(templates, SourceFileName);
                if (File.Exists(source) && !System.IO.Directory.Exists(ReadSource(source)))
                    TryDeleteFolder(templates);
            }
        }
    }

    private static IEnumerable<string> SubfoldersOf(string folder)
    {
        try
        {
            return System.IO.Directory.GetDirectories(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static DateTime LastWrite(string folder)
    {
        try
        {
            return System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(File.GetLastWriteTimeUtc)
                .DefaultIfEmpty(System.IO.Directory.GetLastWriteTimeUtc(folder))
                .Max();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DateTime.MaxValue;
        }
    }

    private static string ReadSource(string sourceFile)
    {
        try
        {
            return File.ReadAllText(sourceFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: treat the folder as still in use rather than delete what another process may be writing.
            return Path.GetDirectoryName(sourceFile)!;
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next process that compiles.
        }
    }

    private static void WriteWhole(string path, byte[] content)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException)
        {
            // A cache: a folder that cannot be written (read-only, full) only means compiling again next time.
            TryDelete(temporary);
        }
        catch (UnauthorizedAccessException)
        {
            TryDelete(temporary);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next compile to overwrite.
        }
    }
}
