namespace Newsletter.Rendering;

/// <summary>
/// The numbered link references of a plain-text email ("[3] https://..."): numbers run through the
/// whole issue, and each section prints the references it added. One instance per render.
/// </summary>
public sealed class LinkReferences
{
    private readonly List<Uri> _all = [];
    private int _printed;

    /// <summary>Adds a link and returns its number. The same URL added twice gets its first number again.</summary>
    public int Add(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var existing = _all.IndexOf(url);
        if (existing >= 0)
            return existing + 1;
        _all.Add(url);
        return _all.Count;
    }

    /// <summary>The references added since the last call, as "[n] url" lines (empty if none).</summary>
    public IReadOnlyList<string> TakeNew()
    {
        var lines = new List<string>();
        for (; _printed < _all.Count; _printed++)
            lines.Add($"[{_printed + 1}] {_all[_printed].AbsoluteUri}");
        return lines;
    }
}
