import PlexusCore

/// The training loop of `plexus train`: epochs of shuffled batches with a progress bar showing
/// loss, accuracy and throughput.
struct Trainer {
    let model: Module
    let task: ClassificationTask
    let optimizer: Optimizer
    let schedule: LearningRateSchedule
    let loader: DataLoader

    /// Steps taken and seconds spent.
    struct Report {
        var steps = 0
        var seconds = 0.0
    }

    func fit(epochs: Int) throws -> Report {
        var report = Report()
        let start = monotonicSeconds()
        for epoch in 0..<epochs {
            model.train()
            let bar = ProgressBar(total: loader.batchCount, label: "epoch \(epoch + 1)/\(epochs)")
            var lossSum = 0.0, correct = 0, total = 0, samples = 0
            let epochStart = monotonicSeconds()
            for (index, batch) in try loader.batches(epoch: epoch).enumerated() {
                optimizer.zeroGrad()
                let output = try model(batch.inputs)
                let loss = try task.loss(output, batch.targets)
                try loss.backward()
                try optimizer.step()
                report.steps += 1
                let batchSize = batch.inputs.shape[0]
                lossSum += values(of: loss) * Double(batchSize)
                let hits = try task.hits(output, batch.targets)
                correct += hits.correct
                total += hits.total
                samples += batchSize
                bar.update(index + 1, "loss \(formatted(lossSum / Double(samples), 4))")
            }
            schedule.step()
            let rate = Double(samples) / (monotonicSeconds() - epochStart)
            bar.finish("loss \(formatted(lossSum / Double(samples), 4))  train acc \(formatted(100 * Double(correct) / Double(max(total, 1))))%  " +
                       "\(Int(rate)) samples/s")
        }
        report.seconds = monotonicSeconds() - start
        return report
    }

    private func values(of loss: Tensor) -> Double {
        loss.dtype == .float64 ? (try? loss.elements(as: Double.self)[0]) ?? .nan : Double((try? loss.elements(as: Float.self)[0]) ?? .nan)
    }
}
