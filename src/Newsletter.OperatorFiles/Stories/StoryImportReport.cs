namespace Newsletter.OperatorFiles.Stories;

/// <summary>What a folder import did. The CLI exits non-zero when <see cref="Errors"/> is not empty.</summary>
public sealed record StoryImportReport(int Added, int Updated, int Unchanged, IReadOnlyList<StoryFileException> Errors)
{
    public bool HasErrors => Errors.Count > 0;
}
