using Newsletter.Core.Composition;
using Newsletter.Core.Stories;

namespace Newsletter.Tests.Support;

/// <summary>
/// Builds issues like the week of 2026-04-06 (see /work/shared/sample-issue-2026-04-06.txt) for tests:
/// an intro, a featured story, five news items, two papers, a talk and a closing note.
/// </summary>
public static class SampleIssue
{
    public static readonly DateOnly WeekEnding = new(2026, 4, 6);

    public static Story Intro() => new(
        "intro-2026-04-06", StorySection.Intro,
        "Open models got scary good, inference hardware hit a new arms race, and the ecosystem quietly doubled.",
        WeekEnding, "", null,
        "This was the week open-source ML stopped being \"good enough\" and started being genuinely frontier-competitive. " +
        "Google dropped Gemma 4 under Apache 2.0, MLCommons published the most ambitious MLPerf Inference benchmark round ever, " +
        "and Hugging Face's spring census confirmed what practitioners already felt: the open ecosystem has doubled in a year, " +
        "and the center of gravity is shifting east. If you deploy models for a living, every story below affects your stack.");

    public static Story Featured() => new(
        "gemma-4", StorySection.News,
        "Google Releases Gemma 4: Four Open Models Under Apache 2.0",
        new DateOnly(2026, 4, 2), "Google Blog", new Uri("https://blog.google/technology/developers/gemma-4/"),
        "Google DeepMind shipped four variants -- E2B (2.3B effective), E4B (4.5B), 26B MoE (4B active), and 31B dense -- all under a " +
        "fully permissive **Apache 2.0** license, a first for the Gemma family. The 31B model supports 256K context, native vision and audio, " +
        "fluency in 140+ languages, and scores 85.7% on GPQA Diamond and 80.0% on LiveCodeBench v6.\n\n" +
        "Architecture-wise, the dense model keeps Gemma 3's hybrid sliding-window + GQA attention with added QK/V normalization and softcapping, " +
        "while the MoE variants use separate expert blocks alongside standard MLP layers rather than the DeepSeek-style replacement pattern.",
        Takeaway: "The Apache 2.0 pivot is the real story. Gemma 3's custom license was a friction point for startups building products on top of it. " +
        "Combined with immediate support across vLLM, Ollama, and llama.cpp, Google is clearly betting that permissive licensing plus competitive " +
        "benchmarks will win the derivative-model war -- where Alibaba's Qwen currently dominates with 113K+ forks on Hugging Face.",
        Featured: true, Priority: 10);

    public static IReadOnlyList<Story> News() =>
    [
        new("mlperf-inference-v6", StorySection.News, "MLPerf Inference v6.0: NVIDIA Hits 2.49M Tokens/Sec on DeepSeek-R1",
            new DateOnly(2026, 4, 1), "MLCommons", new Uri("https://mlcommons.org/2026/04/mlperf-inference-v6-0-results/"),
            "The largest system ever submitted -- 288 NVIDIA GPUs across 72 nodes -- achieved 2.49M tokens/sec on DeepSeek-R1 offline. " +
            "Software optimizations alone delivered 2.7x throughput gains on the same hardware vs. six months ago, cutting per-token cost by 60%. " +
            "Twenty-four organizations submitted; multi-node systems jumped 30%.",
            Takeaway: "Software, not silicon, delivered most of this round's gains."),
        new("amd-mi355x-1m", StorySection.News, "AMD MI355X Crosses 1M Tokens/Sec",
            new DateOnly(2026, 4, 1), "AMD Blog", new Uri("https://www.amd.com/en/blogs/2026/mi355x-mlperf-inference-v6.html"),
            "In single-node head-to-heads (8 GPUs), MI355X hit 92-119% of NVIDIA B300 performance depending on model and scenario, with FP4 " +
            "quantization driving a 4.4x offline improvement on Llama 2 70B over prior rounds. The interactive mode result -- 104% of B300 -- " +
            "signals real competition for latency-sensitive workloads."),
        new("hf-state-of-open-source-spring-2026", StorySection.News, "Hugging Face: State of Open Source, Spring 2026",
            new DateOnly(2026, 4, 4), "Hugging Face Blog", new Uri("https://huggingface.co/blog/state-of-open-source-spring-2026"),
            "The platform hit 13M users and 2M+ models. Independent developers now account for 39% of downloads (up from 17%), while industry " +
            "share fell from 70% to 37%. Robotics datasets exploded from 1,145 to 26,991 in one year, jumping from rank #44 to #1 dataset category.",
            Takeaway: "The open ecosystem's center of gravity is now independent developers."),
        new("pytorch-xla-2-7", StorySection.News, "PyTorch/XLA 2.7 Ships JAX Bridge and Ragged Paged Attention",
            new DateOnly(2026, 4, 3), "PyTorch Blog", new Uri("https://pytorch.org/blog/pytorch-xla-2-7-release/"),
            "The experimental JAX Bridge lets you call `jax.experimental.shard_alike` and other JAX functions directly inside PyTorch/XLA graphs. " +
            "The new Pallas-based ragged paged attention kernel delivers up to 5x speedup over padded attention for variable-length sequences on " +
            "Llama 3 8B, plus GPU CI is back with CUDA 12.6 support."),
        new("state-of-mlops-k8s-gpu", StorySection.News, "State of MLOps Newsletter Highlights Kubernetes GPU Scheduling",
            new DateOnly(2026, 4, 6), "Substack", new Uri("https://stateofmlops.substack.com/p/kubernetes-gpu-scheduling"),
            "This week's roundup flagged [KAI Scheduler](https://github.com/NVIDIA/KAI-Scheduler) (open-source Kubernetes GPU scheduling), " +
            "Google's five strategies for efficient LLM inference, and a comparative benchmark of 10 embedding models for RAG from Zilliz."),
    ];

    public static IReadOnlyList<Story> Papers() =>
    [
        new("causal-diffusion-denoising", StorySection.Papers,
            "\"Smoothing the Landscape: Causal Structure Learning via Diffusion Denoising Objectives\"",
            new DateOnly(2026, 4, 2), "arXiv cs.LG", new Uri("https://arxiv.org/abs/2604.01234"),
            "Accepted to the 5th Conference on Causal Learning and Reasoning. Uses diffusion model denoising objectives to smooth the combinatorial " +
            "landscape of causal graph search, making structure learning more tractable on high-dimensional observational data.",
            Venue: "CLeaR 2026"),
        new("deconfounding-scores-weak-overlap", StorySection.Papers,
            "\"Deconfounding Scores and Representation Learning for Causal Effect Estimation with Weak Overlap\"",
            new DateOnly(2026, 4, 3), "arXiv stat.ML", new Uri("https://arxiv.org/abs/2604.02345"),
            "Proposes learned deconfounding scores that maintain valid causal inference even when treatment and control groups have poor covariate " +
            "overlap -- a persistent headache in observational studies. Accepted at AISTATS 2026.",
            Venue: "AISTATS 2026"),
    ];

    public static IReadOnlyList<Story> Media() =>
    [
        new("latent-space-gemma-4", StorySection.Media, "Latent Space: Inside Gemma 4 with the Google DeepMind Team",
            new DateOnly(2026, 4, 5), "Latent Space Podcast", new Uri("https://www.latent.space/p/gemma-4"),
            "A 70-minute conversation on why the team moved to Apache 2.0, how the MoE variants were trained, and what \"effective parameters\" means for on-device models."),
    ];

    public static Story Closing() => new(
        "closing-2026-04-06", StorySection.Closing, "", WeekEnding, "", null,
        "The 2026 open-model landscape has a new shape: permissive licenses, multimodal by default, and a derivative ecosystem that matters more " +
        "than any single benchmark score. If your inference stack hasn't changed in six months, it's already behind.");

    /// <summary>The sample week as a composed issue (number 12).</summary>
    public static Issue Build(Func<Story, Story>? change = null)
    {
        change ??= s => s;
        var featured = change(Featured());
        var news = News().Select(change).ToList();
        var papers = Papers().Select(change).ToList();
        var media = Media().Select(change).ToList();
        var takeaways = new[] { featured }.Concat(news)
            .Where(s => s.Takeaway is not null)
            .Select(s => new KeyTakeaway(s.Slug, s.Title, s.Takeaway!))
            .ToList();
        return new Issue(
            12, WeekEnding, new DateTimeOffset(2026, 4, 6, 7, 0, 0, TimeSpan.Zero),
            "Tensor Weekly #12: Gemma 4 goes Apache 2.0, MLPerf v6 and the open ecosystem doubles",
            "Open models got scary good, inference hardware hit a new arms race, and the ecosystem quietly doubled.",
            change(Intro()), featured, takeaways,
            [
                new IssueSection(StorySection.News, "Also This Week", news),
                new IssueSection(StorySection.Papers, "From the Lab", papers),
                new IssueSection(StorySection.Media, "Watch & Listen", media),
                new IssueSection(StorySection.Closing, "Worth Reading", [change(Closing())]),
            ]);
    }
}
