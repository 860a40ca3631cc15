// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp_testexp: a test-only dma-buf exporter for the fakedisp scenarios
 * (tests/vm/fakedisp/), for what no in-tree exporter does on demand:
 *   - a dma-buf without a vmap op (TESTEXP_NO_VMAP): fakedisp must refuse
 *     to show it rather than map pages it was not given;
 *   - the importer's locking as the exporter sees it: whether the
 *     reservation lock is held around ->map_dma_buf, against the
 *     convention of the running kernel (before 6.2 importers hold nothing,
 *     so this exporter locks it itself, as an exporter of that time may);
 *   - live vmaps and vmap/vunmap calls per buffer, in debugfs;
 *   - a slow begin_cpu_access (debugfs cpu_access_delay_ms) that stalls a
 *     reader such as fakedisp's scanout worker.
 * The interface is in fakedisp-testexp.h. Not for production: any user who
 * may open the device node (root) may pin up to 64 MiB per call.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <dmabuf-interop/pfn-hash.h>

#include "fakedisp-testexp.h"
#include "testexp-compat.h"

#define TESTEXP_NAME "fakedisp_testexp"
#define TESTEXP_MAX_SIZE (64ul << 20)

/**
 * struct testexp_buffer - one exported buffer
 * @dmabuf: its dma-buf
 * @pages: zeroed system pages, one at a time
 * @n_pages: number of @pages
 * @flags: TESTEXP_* it was created with
 * @pfn_hash: pfn hash of @pages
 * @ino: inode of @dmabuf
 * @lock: protects @vaddr and the counters below
 * @vaddr: kernel mapping while @vmaps is not zero
 * @vmaps: live vmaps
 * @attachments: attached importers
 * @mapped: attachments mapped for DMA
 * @vmap_calls: vmap op calls
 * @vunmap_calls: vunmap op calls
 * @maps_locked: ->map_dma_buf and ->unmap_dma_buf calls with the
 *		 reservation lock held
 * @maps_unlocked: the same calls without it
 * @maps_refused: maps and unmaps that found the lock held before 6.2
 * @cpu_accesses: begin_cpu_access calls
 * @node: entry in testexp_buffers
 */
struct testexp_buffer {
	struct dma_buf *dmabuf;
	struct page **pages;
	unsigned long n_pages;
	u32 flags;
	u64 pfn_hash;
	unsigned long ino;
	struct mutex lock; /* vaddr and counters */
	void *vaddr;
	unsigned int vmaps;
	unsigned int attachments;
	unsigned int mapped;
	unsigned long vmap_calls;
	unsigned long vunmap_calls;
	unsigned long maps_locked;
	unsigned long maps_unlocked;
	unsigned long maps_refused;
	unsigned long cpu_accesses;
	struct list_head node;
};

/**
 * struct testexp_attachment - one importer's view
 * @sgt: the pages, DMA-mapped for the importer's device while @mapped
 * @dir: direction of the mapping
 * @mapped: @sgt is mapped
 */
struct testexp_attachment {
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool mapped;
};

static LIST_HEAD(testexp_buffers);
static DEFINE_MUTEX(testexp_list_lock); /* testexp_buffers */
static u32 testexp_cpu_access_delay_ms;
static struct dentry *testexp_debugfs;

static int testexp_attach(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *attach)
{
	struct testexp_buffer *buf = dmabuf->priv;
	struct testexp_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(&a->sgt, buf->pages, buf->n_pages, 0,
					buf->n_pages << PAGE_SHIFT, GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	attach->priv = a;
	mutex_lock(&buf->lock);
	buf->attachments++;
	mutex_unlock(&buf->lock);
	return 0;
}

static void testexp_detach(struct dma_buf *dmabuf,
			   struct dma_buf_attachment *attach)
{
	struct testexp_buffer *buf = dmabuf->priv;
	struct testexp_attachment *a = attach->priv;

	if (WARN_ON(a->mapped))
		dma_unmap_sgtable(attach->dev, &a->sgt, a->dir, 0);
	sg_free_table(&a->sgt);
	kfree(a);
	mutex_lock(&buf->lock);
	buf->attachments--;
	mutex_unlock(&buf->lock);
}

/*
 * The reservation lock around map and unmap. From 6.2 the core holds it.
 * Before, nothing does, and this exporter takes it itself, as an exporter
 * of that time may; an importer that holds it anyway (against 6.1's
 * convention) would deadlock such an exporter: here the trylock fails
 * instead, which is counted and returned as false.
 */
static bool testexp_resv_lock(struct testexp_buffer *buf, bool *locked_here)
{
	struct dma_resv *resv = buf->dmabuf->resv;
	bool held = dma_resv_is_locked(resv);

	*locked_here = false;
	mutex_lock(&buf->lock);
	if (held)
		buf->maps_locked++;
	else
		buf->maps_unlocked++;
	mutex_unlock(&buf->lock);

	if (TESTEXP_CORE_HOLDS_RESV) {
		dma_resv_assert_held(resv);
		return true;
	}
	if (!dma_resv_trylock(resv)) {
		mutex_lock(&buf->lock);
		buf->maps_refused++;
		mutex_unlock(&buf->lock);
		pr_info(TESTEXP_NAME ": dma-buf %lu mapped with its reservation lock held, before 6.2\n",
			buf->ino);
		return false;
	}
	*locked_here = true;
	return true;
}

static struct sg_table *testexp_map(struct dma_buf_attachment *attach,
				    enum dma_data_direction dir)
{
	struct testexp_buffer *buf = attach->dmabuf->priv;
	struct testexp_attachment *a = attach->priv;
	bool locked_here;
	int ret;

	if (!testexp_resv_lock(buf, &locked_here))
		return ERR_PTR(-EDEADLK);
	ret = a->mapped ? -EBUSY : dma_map_sgtable(attach->dev, &a->sgt, dir, 0);
	if (!ret) {
		a->dir = dir;
		a->mapped = true;
	}
	if (locked_here)
		dma_resv_unlock(buf->dmabuf->resv);
	if (ret)
		return ERR_PTR(ret);

	mutex_lock(&buf->lock);
	buf->mapped++;
	mutex_unlock(&buf->lock);
	return &a->sgt;
}

static void testexp_unmap(struct dma_buf_attachment *attach,
			  struct sg_table *sgt, enum dma_data_direction dir)
{
	struct testexp_buffer *buf = attach->dmabuf->priv;
	struct testexp_attachment *a = attach->priv;
	bool locked_here, ok;

	/* An unmap cannot fail: refused or not, the mapping goes. */
	ok = testexp_resv_lock(buf, &locked_here);
	if (!WARN_ON(!a->mapped || sgt != &a->sgt)) {
		dma_unmap_sgtable(attach->dev, &a->sgt, a->dir, 0);
		a->mapped = false;
		mutex_lock(&buf->lock);
		buf->mapped--;
		mutex_unlock(&buf->lock);
	}
	if (ok && locked_here)
		dma_resv_unlock(buf->dmabuf->resv);
}

static void testexp_release(struct dma_buf *dmabuf)
{
	struct testexp_buffer *buf = dmabuf->priv;
	unsigned long i;

	mutex_lock(&testexp_list_lock);
	list_del(&buf->node);
	mutex_unlock(&testexp_list_lock);

	WARN_ON(buf->vmaps);
	for (i = 0; i < buf->n_pages; i++)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
	mutex_destroy(&buf->lock);
	kfree(buf);
}

/*
 * x86 guests are cache coherent, so there is nothing to sync; the delay
 * makes a reader that brackets its CPU access wait.
 */
static int testexp_begin_cpu_access(struct dma_buf *dmabuf,
				    enum dma_data_direction dir)
{
	u32 delay = READ_ONCE(testexp_cpu_access_delay_ms);
	struct testexp_buffer *buf = dmabuf->priv;

	/* Counted first: a test sees the reader has arrived, then it waits. */
	mutex_lock(&buf->lock);
	buf->cpu_accesses++;
	mutex_unlock(&buf->lock);

	if (delay)
		msleep(delay);
	return 0;
}

static int testexp_end_cpu_access(struct dma_buf *dmabuf,
				  enum dma_data_direction dir)
{
	return 0;
}

static int testexp_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct testexp_buffer *buf = dmabuf->priv;

	return vm_map_pages(vma, buf->pages, buf->n_pages);
}

/* The core counts vmaps per dma-buf; this counts what reaches the op. */
static int testexp_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct testexp_buffer *buf = dmabuf->priv;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (!buf->vaddr)
		buf->vaddr = vmap(buf->pages, buf->n_pages, VM_MAP, PAGE_KERNEL);
	if (buf->vaddr) {
		buf->vmaps++;
		buf->vmap_calls++;
		iosys_map_set_vaddr(map, buf->vaddr);
	} else {
		ret = -ENOMEM;
	}
	mutex_unlock(&buf->lock);
	return ret;
}

static void testexp_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct testexp_buffer *buf = dmabuf->priv;

	mutex_lock(&buf->lock);
	buf->vunmap_calls++;
	if (!WARN_ON(!buf->vmaps) && !--buf->vmaps) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
}

static const struct dma_buf_ops testexp_ops = {
	.attach = testexp_attach,
	.detach = testexp_detach,
	.map_dma_buf = testexp_map,
	.unmap_dma_buf = testexp_unmap,
	.release = testexp_release,
	.begin_cpu_access = testexp_begin_cpu_access,
	.end_cpu_access = testexp_end_cpu_access,
	.mmap = testexp_mmap,
	.vmap = testexp_vmap,
	.vunmap = testexp_vunmap,
};

/* The same without vmap: the CPU can reach the pages only through mmap. */
static const struct dma_buf_ops testexp_novmap_ops = {
	.attach = testexp_attach,
	.detach = testexp_detach,
	.map_dma_buf = testexp_map,
	.unmap_dma_buf = testexp_unmap,
	.release = testexp_release,
	.begin_cpu_access = testexp_begin_cpu_access,
	.end_cpu_access = testexp_end_cpu_access,
	.mmap = testexp_mmap,
};

static void testexp_free_pages(struct page **pages, unsigned long n)
{
	while (n--)
		__free_page(pages[n]);
	kvfree(pages);
}

static int testexp_create(struct testexp_create *args, struct dma_buf **out)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct testexp_buffer *buf;
	struct dma_buf *dmabuf;
	unsigned long i;

	if (!args->size || !PAGE_ALIGNED(args->size) ||
	    args->size > TESTEXP_MAX_SIZE || args->flags & ~TESTEXP_NO_VMAP)
		return -EINVAL;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf->n_pages = args->size >> PAGE_SHIFT;
	buf->flags = args->flags;
	buf->pages = kvcalloc(buf->n_pages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages)
		goto err_buf;
	for (i = 0; i < buf->n_pages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!buf->pages[i])
			goto err_pages;
	}
	buf->pfn_hash = pfn_hash_pages(buf->pages, buf->n_pages);
	mutex_init(&buf->lock);

	exp_info.owner = THIS_MODULE;
	exp_info.exp_name = TESTEXP_NAME;
	exp_info.ops = args->flags & TESTEXP_NO_VMAP ? &testexp_novmap_ops :
						       &testexp_ops;
	exp_info.size = args->size;
	exp_info.flags = O_RDWR;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		mutex_destroy(&buf->lock);
		testexp_free_pages(buf->pages, buf->n_pages);
		kfree(buf);
		return PTR_ERR(dmabuf);
	}
	buf->dmabuf = dmabuf;
	buf->ino = file_inode(dmabuf->file)->i_ino;
	mutex_lock(&testexp_list_lock);
	list_add_tail(&buf->node, &testexp_buffers);
	mutex_unlock(&testexp_list_lock);

	args->pfn_hash = buf->pfn_hash;
	args->ino = buf->ino;
	*out = dmabuf;
	return 0;

err_pages:
	testexp_free_pages(buf->pages, i);
err_buf:
	kfree(buf);
	return -ENOMEM;
}

static long testexp_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct testexp_create args;
	struct dma_buf *dmabuf;
	int fd, ret;

	if (cmd != TESTEXP_IOC_CREATE)
		return -ENOTTY;
	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	ret = testexp_create(&args, &dmabuf);
	if (ret)
		return ret;
	/* The fd goes in only once the answer reached userspace. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	args.fd = fd;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}

static const struct file_operations testexp_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = testexp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice testexp_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = TESTEXP_NAME,
	.fops = &testexp_fops,
	.mode = 0600,
};

static int testexp_buffers_show(struct seq_file *m, void *unused)
{
	struct testexp_buffer *buf;

	seq_puts(m, TESTEXP_BUFFERS_HEADER "\n");
	mutex_lock(&testexp_list_lock);
	list_for_each_entry(buf, &testexp_buffers, node) {
		mutex_lock(&buf->lock);
		seq_printf(m, "%lu %lu %u %016llx %u %u %u %lu %lu %lu %lu %lu %lu\n",
			   buf->ino, buf->n_pages << PAGE_SHIFT, buf->flags,
			   buf->pfn_hash, buf->attachments, buf->mapped,
			   buf->vmaps, buf->vmap_calls, buf->vunmap_calls,
			   buf->maps_locked, buf->maps_unlocked,
			   buf->maps_refused, buf->cpu_accesses);
		mutex_unlock(&buf->lock);
	}
	mutex_unlock(&testexp_list_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(testexp_buffers);

static int __init testexp_init(void)
{
	int ret;

	ret = misc_register(&testexp_misc);
	if (ret)
		return ret;
	testexp_debugfs = debugfs_create_dir(TESTEXP_NAME, NULL);
	debugfs_create_file("buffers", 0444, testexp_debugfs, NULL,
			    &testexp_buffers_fops);
	debugfs_create_u32("cpu_access_delay_ms", 0644, testexp_debugfs,
			   &testexp_cpu_access_delay_ms);
	return 0;
}

/* Every dma-buf holds a module reference: none is left here. */
static void __exit testexp_exit(void)
{
	debugfs_remove_recursive(testexp_debugfs);
	misc_deregister(&testexp_misc);
}

module_init(testexp_init);
module_exit(testexp_exit);

MODULE_DESCRIPTION("Test-only dma-buf exporter for the fakedisp scenarios");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(TESTEXP_DMA_BUF_NS);
