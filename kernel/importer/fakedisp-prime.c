// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp PRIME import: how a display driver takes in a buffer that another
 * driver (fakecam, vivid, vgem, ...) exported as a dma-buf.
 *
 * Userspace calls DRM_IOCTL_PRIME_FD_TO_HANDLE with the dma-buf fd. DRM's
 * drm_gem_prime_fd_to_handle() looks the dma-buf up in the file's PRIME
 * cache first (a dma-buf imported twice by one file gets the same handle),
 * and only for a new dma-buf calls our .gem_prime_import, holding
 * dev->object_name_lock. Here, in order:
 *
 *   1. our own export coming back: return the exported object itself;
 *   2. the same dma-buf imported by another file: return that object;
 *   3. dma_buf_attach(): the exporter learns that our device will access
 *      the buffer (its ->attach callback runs);
 *   4. dma_buf_map_attachment_unlocked(): the exporter maps the buffer for
 *      our device and returns an sg_table; the _unlocked variant takes the
 *      reservation lock around the exporter's ->map_dma_buf for us (on
 *      6.1, dma_buf_map_attachment() without any lock: fakedisp-compat.h);
 *      the pfn hash is that of the DMA addresses in it, our device's view;
 *   5. a fakedisp_bo wraps it: import_attach set, the reservation object is
 *      the dma-buf's (so implicit fences are honoured at commit), and we
 *      keep a reference on the dma-buf.
 *
 * An importer must not look at the pages behind the sg_table it was given
 * (Documentation/driver-api/dma-buf.rst; CONFIG_DMABUF_DEBUG scrambles
 * them): only its DMA addresses are ours. The CPU mapping the scanout
 * worker reads through therefore comes from the exporter alone,
 * dma_buf_vmap() (fakedisp_import_vmap()), and only while a frame shows the
 * buffer: fakedisp_bo_vmap() from the plane's prepare_fb, the matching
 * fakedisp_bo_vunmap() when that frame is put. An exporter without vmap
 * (or with I/O memory) can be imported but not shown: the commit fails.
 *
 * The last GEM reference goes (framebuffers removed, handles closed):
 * fakedisp_import_release() undoes everything in reverse: unmap the
 * attachment, detach, drop the dma-buf reference (no frame, hence no
 * vmap, is left by then). The exporter's own release runs once every other
 * holder (fds, other importers) is gone too.
 */
#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <drm/drm_print.h>
#include <drm/drm_prime.h>

#include <dmabuf-interop/pfn-hash.h>

#include "fakedisp.h"
#include "fakedisp-compat.h"

/*
 * The direction DRM's own import helper uses too: exporters that cache
 * their mapping per direction then share it with other DRM importers.
 */
#define FAKEDISP_IMPORT_DIR DMA_BIDIRECTIONAL

static unsigned long dmabuf_ino(struct dma_buf *dmabuf)
{
	return file_inode(dmabuf->file)->i_ino;
}

/* Steps 1 and 2: a GEM object that already stands for @dmabuf. */
static struct drm_gem_object *lookup_import(struct fakedisp_device *fd,
					    struct dma_buf *dmabuf)
{
	struct drm_gem_object *obj = NULL;
	struct fakedisp_bo *bo;

	/*
	 * drm_gem_prime_export() gives our dma-bufs our module as owner and
	 * the GEM object as priv.
	 */
	if (dmabuf->owner == THIS_MODULE) {
		obj = dmabuf->priv;
		if (obj->dev == &fd->drm) {
			drm_gem_object_get(obj);
			fakedisp_event(fd, "import-own", to_fakedisp_bo(obj)->id,
				       dmabuf_ino(dmabuf), 0);
			return obj;
		}
		return NULL;
	}

	mutex_lock(&fd->buffers_lock);
	list_for_each_entry(bo, &fd->buffers, link) {
		/* A buffer on its way to fakedisp_bo_free() does not count. */
		if (bo->dmabuf == dmabuf &&
		    kref_get_unless_zero(&bo->base.refcount)) {
			obj = &bo->base;
			break;
		}
	}
	mutex_unlock(&fd->buffers_lock);
	if (obj)
		fakedisp_event(fd, "import-again", to_fakedisp_bo(obj)->id,
			       dmabuf_ino(dmabuf), 0);
	return obj;
}

struct drm_gem_object *fakedisp_gem_prime_import(struct drm_device *drm,
						 struct dma_buf *dmabuf)
{
	struct fakedisp_device *fd = to_fakedisp(drm);
	unsigned long ino = dmabuf_ino(dmabuf);
	struct dma_buf_attachment *attach;
	struct drm_gem_object *obj;
	struct fakedisp_bo *bo;
	struct sg_table *sgt;
	int ret;

	obj = lookup_import(fd, dmabuf);
	if (obj)
		return obj;

	/* GEM objects are whole pages; a shorter dma-buf cannot back one. */
	if (!dmabuf->size || !PAGE_ALIGNED(dmabuf->size)) {
		fakedisp_event(fd, "import-refused", 0, ino, dmabuf->size);
		return ERR_PTR(-EINVAL);
	}

	fakedisp_event(fd, "import", 0, ino, dmabuf->size);

	/* Step 3: the exporter's ->attach runs. */
	attach = dma_buf_attach(dmabuf, drm->dev);
	if (IS_ERR(attach)) {
		fakedisp_event(fd, "attach-failed", 0, ino, -PTR_ERR(attach));
		return ERR_CAST(attach);
	}
	fakedisp_event(fd, "attach", 0, ino, 0);

	/* Step 4: the exporter's ->map_dma_buf (6.2+: under the resv lock). */
	sgt = fakedisp_compat_dma_buf_map(attach, FAKEDISP_IMPORT_DIR);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		fakedisp_event(fd, "map-failed", 0, ino, -ret);
		goto err_detach;
	}
	fakedisp_event(fd, "map", 0, ino, sgt->nents);

	/* Step 5: the GEM object. */
	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	bo->base.funcs = &fakedisp_bo_funcs;
	drm_gem_private_object_init(drm, &bo->base, dmabuf->size);
	bo->base.import_attach = attach;
	bo->base.resv = dmabuf->resv;
	bo->sgt = sgt;
	get_dma_buf(dmabuf);
	bo->dmabuf = dmabuf;
	bo->ino = ino;
	bo->pfn_hash = pfn_hash_sgt_dma(sgt);
	/*
	 * A lock class of its own (mutex_init() makes one per call site): an
	 * import's vmap_lock is held around the exporter's vmap, which takes
	 * that dma-buf's reservation lock, while a dumb buffer's is taken
	 * inside our own reservation lock when another importer vmaps it.
	 */
	mutex_init(&bo->vmap_lock);
	fakedisp_bo_register(fd, bo);
	fakedisp_event(fd, "imported", bo->id, ino, bo->pfn_hash);
	return &bo->base;

err_unmap:
	fakedisp_compat_dma_buf_unmap(attach, sgt, FAKEDISP_IMPORT_DIR);
	fakedisp_event(fd, "unmap", 0, ino, 0);
err_detach:
	dma_buf_detach(dmabuf, attach);
	fakedisp_event(fd, "detach", 0, ino, 0);
	return ERR_PTR(ret);
}

/*
 * Called by fakedisp_bo_vmap() with bo->vmap_lock held, when the first
 * frame that shows the buffer is made. The exporter's vmap is the only CPU
 * view of a foreign buffer we may use; without one the buffer cannot be
 * scanned out, and the commit that wants to show it fails.
 */
int fakedisp_import_vmap(struct fakedisp_bo *bo)
{
	struct fakedisp_device *fd = to_fakedisp(bo->base.dev);
	struct iosys_map map;
	int ret;

	ret = fakedisp_compat_dma_buf_vmap(bo->dmabuf, &map);
	if (!ret && map.is_iomem) {
		/* The scanout reads with plain loads; I/O memory is not for us. */
		fakedisp_compat_dma_buf_vunmap(bo->dmabuf, &map);
		ret = -EOPNOTSUPP;
	}
	if (ret) {
		fakedisp_event(fd, "vmap-failed", bo->id, bo->ino, -ret);
		drm_err_ratelimited(&fd->drm,
				    "dma-buf %lu (%s): no CPU mapping from its exporter (%d), cannot scan it out\n",
				    bo->ino, bo->dmabuf->exp_name, ret);
		return ret;
	}
	bo->map = map;
	fakedisp_event(fd, "vmap", bo->id, bo->ino, 0);
	return 0;
}

/* Called by fakedisp_bo_vunmap() with bo->vmap_lock held: the last user. */
void fakedisp_import_vunmap(struct fakedisp_bo *bo)
{
	fakedisp_compat_dma_buf_vunmap(bo->dmabuf, &bo->map);
	fakedisp_event(to_fakedisp(bo->base.dev), "vunmap", bo->id, bo->ino, 0);
}

/* The last reference is gone: undo the import in reverse order. */
void fakedisp_import_release(struct fakedisp_bo *bo)
{
	struct fakedisp_device *fd = to_fakedisp(bo->base.dev);
	struct dma_buf_attachment *attach = bo->base.import_attach;
	struct dma_buf *dmabuf = bo->dmabuf;

	fakedisp_compat_dma_buf_unmap(attach, bo->sgt, FAKEDISP_IMPORT_DIR);
	bo->sgt = NULL;
	fakedisp_event(fd, "unmap", bo->id, bo->ino, 0);

	dma_buf_detach(dmabuf, attach);
	bo->base.import_attach = NULL;
	fakedisp_event(fd, "detach", bo->id, bo->ino, 0);

	/* May run the exporter's release if we held the last reference. */
	dma_buf_put(dmabuf);
	bo->dmabuf = NULL;
	fakedisp_event(fd, "put", bo->id, bo->ino, 0);
}
