namespace Newsletter.OperatorFiles.Stories;

/// <summary>What importing one story file did.</summary>
public enum StoryImportOutcome
{
    /// <summary>The slug was new.</summary>
    Added,
    /// <summary>The slug existed with different content, which was replaced.</summary>
    Updated,
    /// <summary>The slug existed with the same content; nothing was written.</summary>
    Unchanged,
    /// <summary>The file could not be imported; see the error.</summary>
    Failed,
}
