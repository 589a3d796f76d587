using Microsoft.Extensions.DependencyInjection;
using Newsletter.Core.Stories;

namespace Newsletter.OperatorFiles.Stories;

public static class StoryFilesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="StoryFolderImporter"/> (a singleton), which reads the operator's story files into the
    /// <see cref="IStoryStore"/> registered elsewhere (the store's <c>AddStore()</c>).
    /// </summary>
    public static IServiceCollection AddStoryFiles(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp => new StoryFolderImporter(sp.GetRequiredService<IStoryStore>()));
        return services;
    }
}
