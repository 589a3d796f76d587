namespace Newsletter.Core.Stories;

/// <summary>Where a story appears in an issue. The featured story is chosen from <see cref="News"/>.</summary>
public enum StorySection
{
    /// <summary>The editor's opening note: its title is the headline, its summary the intro paragraph.</summary>
    Intro,
    /// <summary>"Also This Week"; the featured story ("The Big Story") is taken from here.</summary>
    News,
    /// <summary>"From the Lab": research papers, with their venue.</summary>
    Papers,
    /// <summary>"Watch &amp; Listen": talks, videos, podcasts.</summary>
    Media,
    /// <summary>"Worth Reading": the closing note.</summary>
    Closing,
}
