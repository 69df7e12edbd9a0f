import Foundation

/// The folders of one repository in the Hugging Face cache, and the file operations of a pull:
/// every write names the path in its error, and nothing but cache entries is replaced.
struct HubLayout {
    let name: ModelName
    /// `<cache>/models--ORG--NAME`.
    let repository: URL
    /// `<repository>/snapshots/<commit>`.
    let snapshot: URL

    init(cache: HubCache, name: ModelName, commit: String) {
        self.name = name
        repository = cache.folder.appendingPathComponent("models--\(name.organization)--\(name.name)", isDirectory: true)
        snapshot = repository.appendingPathComponent("snapshots/\(commit)", isDirectory: true)
        locks = cache.folder.appendingPathComponent(".locks/\(repository.lastPathComponent)", isDirectory: true)
    }

    /// `<cache>/.locks/models--ORG--NAME/<etag>.lock`, where huggingface_hub locks the same blob.
    let locks: URL

        func blob(_ etag: String) -> URL { repository.appendingPathComponent("blobs/\(etag)") }
    func partial(_ etag: String) -> URL { repository.appendingPathComponent("blobs/\(etag).incomplete") }
    func lock(_ etag: String) -> URL { locks.appendingPathComponent("\(etag).lock") }

    /// The size of a regular file, nil when there is none.
    func existingSize(of url: URL) throws -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else {
            try makeFolder(url.deletingLastPathComponent())
            return nil
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw HubError.occupied(path: url.path) }
        return (attributes[.size] as? NSNumber)?.intValue
    }

    func remove(_ url: URL) throws {
        do { try FileManager.default.removeItem(at: url) } catch {
            throw HubError.unwritable(path: url.path, reason: "cannot delete it: \(error.localizedDescription)")
        }
    }

    /// Renames a verified `.incomplete` file to its blob (replacing a blob of the wrong size).
    func complete(_ partial: URL, as blob: URL) throws {
        if rename(partial.path, blob.path) != 0 {
            throw HubError.unwritable(path: blob.path, reason: String(cString: strerror(errno)))
        }
    }

    /// Points `snapshots/<commit>/<path>` at `../../blobs/<etag>` (one `../` more per subfolder).
    func link(_ path: String, to etag: String) throws {
        let fm = FileManager.default
        let entry = snapshot.appendingPathComponent(path)
        let depth = path.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth + 2) + "blobs/" + etag
        try makeFolder(entry.deletingLastPathComponent())
        if let attributes = try? fm.attributesOfItem(atPath: entry.path) {
            guard attributes[.type] as? FileAttributeType == .typeSymbolicLink else { throw HubError.occupied(path: entry.path) }
            if (try? fm.destinationOfSymbolicLink(atPath: entry.path)) == target { return }
            try remove(entry)
        }
        do { try fm.createSymbolicLink(atPath: entry.path, withDestinationPath: target) } catch {
            throw HubError.unwritable(path: entry.path, reason: error.localizedDescription)
        }
    }

    /// Writes `refs/<revision>` = the commit, through a temporary file renamed into place.
    func writeRef(_ revision: String) throws {
        let ref = repository.appendingPathComponent("refs").appendingPathComponent(revision)
        try makeFolder(ref.deletingLastPathComponent())
        let commit = snapshot.lastPathComponent
        if (try? String(contentsOf: ref, encoding: .utf8)) == commit { return }
        let temporary = ref.deletingLastPathComponent().appendingPathComponent(".\(ref.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(commit.utf8).write(to: temporary)
            try complete(temporary, as: ref)
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.unwritable(path: ref.path, reason: error.localizedDescription)
        }
    }

    func makeFolder(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw HubError.unwritable(path: url.path, reason: error.localizedDescription)
        }
    }
}
