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
 *      reservation lock around the exporter's ->map_dma_buf for us;
 *   5. a fakedisp_bo wraps it: import_attach set, the reservation object is
 *      the dma-buf's (so implicit fences are honoured at commit), and we
 *      keep a reference on the dma-buf.
 *
 * The CPU mapping the scanout worker reads through is made later, at the
 * first commit that shows the buffer (fakedisp_import_vmap(), from the
 * plane's prepare_fb): dma_buf_vmap, or, for exporters without vmap, our
 * own vmap() of the sg_table's pages.
 *
 * The last GEM reference goes (framebuffers removed, handles closed):
 * fakedisp_import_release() undoes everything in reverse: vunmap, unmap
 * the attachment, detach, drop the dma-buf reference. The exporter's own
 * release runs once every other holder (fds, other importers) is gone too.
 */
#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

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

	/* Step 4: the exporter's ->map_dma_buf, under the reservation lock. */
	sgt = dma_buf_map_attachment_unlocked(attach, FAKEDISP_IMPORT_DIR);
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
	mutex_init(&bo->vmap_lock);
	fakedisp_bo_register(fd, bo);
	fakedisp_event(fd, "imported", bo->id, ino, bo->pfn_hash);
	return &bo->base;

err_unmap:
	dma_buf_unmap_attachment_unlocked(attach, sgt, FAKEDISP_IMPORT_DIR);
	fakedisp_event(fd, "unmap", 0, ino, 0);
err_detach:
	dma_buf_detach(dmabuf, attach);
	fakedisp_event(fd, "detach", 0, ino, 0);
	return ERR_PTR(ret);
}

/*
 * For exporters without ->vmap: map the pages behind the sg_table
 * ourselves. Exporters whose memory has no struct page (device memory)
 * cannot be read this way and the commit that shows them fails.
 */
static int vmap_sgt_pages(struct fakedisp_bo *bo)
{
	unsigned int n = bo->base.size >> PAGE_SHIFT, i = 0;
	struct sg_page_iter piter;
	struct page **pages;
	void *vaddr;

	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for_each_sgtable_page(bo->sgt, &piter, 0) {
		if (i == n)
			break;
		pages[i++] = sg_page_iter_page(&piter);
	}
	vaddr = i == n ? vmap(pages, n, VM_MAP, PAGE_KERNEL) : NULL;
	kvfree(pages);
	if (!vaddr)
		return i == n ? -ENOMEM : -EINVAL;
	iosys_map_set_vaddr(&bo->map, vaddr);
	bo->vmapped_pages = true;
	return 0;
}

/* Called with bo->vmap_lock held, when the buffer is first put on screen. */
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
	if (!ret) {
		bo->map = map;
		fakedisp_event(fd, "vmap", bo->id, bo->ino, 0);
		return 0;
	}

	ret = vmap_sgt_pages(bo);
	fakedisp_event(fd, ret ? "vmap-failed" : "vmap-pages", bo->id, bo->ino,
		       -ret);
	return ret;
}

/* The last reference is gone: undo the import in reverse order. */
void fakedisp_import_release(struct fakedisp_bo *bo)
{
	struct fakedisp_device *fd = to_fakedisp(bo->base.dev);
	struct dma_buf_attachment *attach = bo->base.import_attach;
	struct dma_buf *dmabuf = bo->dmabuf;

	if (!iosys_map_is_null(&bo->map)) {
		if (bo->vmapped_pages)
			vunmap(bo->map.vaddr);
		else
			fakedisp_compat_dma_buf_vunmap(dmabuf, &bo->map);
		iosys_map_clear(&bo->map);
		fakedisp_event(fd, "vunmap", bo->id, bo->ino, 0);
	}

	dma_buf_unmap_attachment_unlocked(attach, bo->sgt, FAKEDISP_IMPORT_DIR);
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
