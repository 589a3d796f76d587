namespace Newsletter.Core.Stories;

/// <summary>Where stories live between imports and composition.</summary>
public interface IStoryStore
{
    /// <summary>Inserts the story, or replaces the one with the same slug.</summary>
    /// <returns><c>true</c> when the slug was new.</returns>
    Task<bool> UpsertAsync(Story story, CancellationToken cancellationToken);

    Task<Story?> GetAsync(string slug, CancellationToken cancellationToken);

    /// <summary>Stories dated within [from, to] (both inclusive, either open), oldest first.</summary>
    Task<IReadOnlyList<Story>> ListAsync(DateOnly? from, DateOnly? to, CancellationToken cancellationToken);
}
